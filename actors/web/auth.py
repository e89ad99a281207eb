"""Admin sessions: upsd users, signed HttpOnly cookies, CSRF tokens, Basic auth.

A web login is checked against the same accounts as the protocol server
(protocol.upsd.users). The session is kept server-side; the cookie holds only a
signed random id (HttpOnly, SameSite=Strict, Secure over HTTPS). The
password stays in memory for the session's life because upsd checks it
again at every SET and INSTCMD, and the admin forms go through our upsd.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import itsdangerous
import trio

from nutrio.protocol.upsd.users import Denial, UserAccount, check_action

__all__ = [
    "COOKIE",
    "Credentials",
    "LoginPenalty",
    "Session",
    "SessionStore",
    "check_login",
    "parse_basic",
]

COOKIE = "nutrio_session"
#: Idle sessions end after this long.
IDLE_TIMEOUT = 1800.0
MAX_SESSIONS = 256
_LOGIN_FORM_AGE = 3600


@dataclass(frozen=True, slots=True)
class Credentials:
    user: str
    password: str


#: Admin results a session keeps for showing after the redirect (the newest).
KEEP_RESULTS = 16


@dataclass(slots=True)
class Session:
    id: str
    credentials: Credentials
    csrf: str
    last_used: float = field(default=0.0)
    results: dict[str, object] = field(default_factory=dict)

    @property
    def user(self) -> str:
        return self.credentials.user

    def keep_result(self, result: object) -> str:
        """Keep *result* for the page the POST redirects to; returns its key.

        Only this session can read it back, so a link cannot show someone a made-up result.
        """
        key = secrets.token_urlsafe(6)
        self.results[key] = result
        while len(self.results) > KEEP_RESULTS:
            del self.results[next(iter(self.results))]
        return key

    def result(self, key: str | None) -> object | None:
        return self.results.get(key) if key else None


async def check_login(accounts: Mapping[str, UserAccount], user: str, password: str) -> bool:
    """True when upsd would accept *user*/*password* (whatever rights the account has).

    scrypt hashes take tens of milliseconds: checked in a worker thread.
    """
    denial = await trio.to_thread.run_sync(check_action, dict(accounts), user, password, "LOGIN")
    return denial is None or denial is Denial.NOT_PERMITTED


def parse_basic(header: str | None) -> Credentials | None:
    """``Authorization: Basic base64(user:password)`` -> credentials, or None."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = raw.partition(":")
    return Credentials(user, password) if sep else None


class SessionStore:
    """Sessions by id, cookie signing, and the login form's CSRF token."""

    def __init__(self, secret: bytes | None = None, clock: Callable[[], float] = time.monotonic,
                 idle_timeout: float = IDLE_TIMEOUT) -> None:
        key = secret or secrets.token_bytes(32)
        self._cookie = itsdangerous.URLSafeSerializer(key, salt="nutrio-session")
        self._login = itsdangerous.URLSafeTimedSerializer(key, salt="nutrio-login")
        self._sessions: dict[str, Session] = {}
        self._clock = clock
        self._idle = idle_timeout

    def create(self, credentials: Credentials) -> tuple[Session, str]:
        """A new session and the signed cookie value for it."""
        self._expire()
        while len(self._sessions) >= MAX_SESSIONS:  # drop the longest idle
            oldest = min(self._sessions.values(), key=lambda s: s.last_used)
            del self._sessions[oldest.id]
        session = Session(secrets.token_urlsafe(24), credentials, secrets.token_urlsafe(24),
                          self._clock())
        self._sessions[session.id] = session
        return session, self._cookie.dumps(session.id)

    def get(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            sid = self._cookie.loads(cookie)
        except itsdangerous.BadSignature:
            return None
        session = self._sessions.get(sid) if isinstance(sid, str) else None
        now = self._clock()
        if session is None or now - session.last_used > self._idle:
            self._sessions.pop(sid, None) if isinstance(sid, str) else None
            return None
        session.last_used = now
        return session

    def drop(self, session: Session) -> None:
        self._sessions.pop(session.id, None)

    def drop_user(self, user: str) -> None:
        for sid in [s.id for s in self._sessions.values() if s.user == user]:
            del self._sessions[sid]

    def _expire(self) -> None:
        now = self._clock()
        for sid in [s.id for s in self._sessions.values() if now - s.last_used > self._idle]:
            del self._sessions[sid]

    def __len__(self) -> int:
        return len(self._sessions)

    # The login form has no session yet: its token is a signed, dated nonce.
    def login_token(self) -> str:
        return self._login.dumps(secrets.token_urlsafe(8))

    def login_token_ok(self, token: str | None) -> bool:
        if not token:
            return False
        try:
            self._login.loads(token, max_age=_LOGIN_FORM_AGE)
        except itsdangerous.BadData:
            return False
        return True


def csrf_ok(session: Session, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(session.csrf.encode(), token.encode())


class LoginPenalty:
    """Failed web logins from one address hold the answer back longer each time,
    as our upsd does for ACCESS-DENIED: 0.5 s, doubling, at most ``cap``."""

    def __init__(self, base: float = 0.5, cap: float = 8.0, memory: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._base, self._cap, self._memory = base, cap, memory
        self._clock = clock
        self._failures: dict[str, tuple[int, float]] = {}

    def failed(self, address: str) -> float:
        """Note a failure; return how long to wait before answering."""
        now = self._clock()
        count, last = self._failures.get(address, (0, now))
        count = 1 if now - last > self._memory else count + 1
        self._failures[address] = (count, now)
        if len(self._failures) > 4096:
            self._failures = {a: v for a, v in self._failures.items() if now - v[1] <= self._memory}
        return float(min(self._cap, self._base * 2 ** (count - 1)))

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)
