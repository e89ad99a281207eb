"""upsd.users semantics: accounts, their rights, and password checks.

What NUT 2.8.0 does (checked against the real upsd):

- USERNAME and PASSWORD only store what the client sent; the password is
  checked at each action that needs rights (LOGIN, PRIMARY, FSD, SET,
  INSTCMD), so a wrong password shows up as ``ERR ACCESS-DENIED`` there.
- User names are case-sensitive; actions and instant command names are
  not. An account without a password can do nothing.
- ``upsmon primary`` (or ``master``) grants LOGIN, PRIMARY and FSD;
  ``upsmon secondary`` (or ``slave``) grants LOGIN. The actions PRIMARY and
  MASTER are one right under two names.
- ``instcmds = all`` allows every instant command.

Passwords may be stored as plaintext (as in upsd.users) or as an scrypt
hash ``scrypt$n$r$p$salt_b64$hash_b64`` made by :func:`hash_password`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

__all__ = [
    "UserAccount",
    "Accounts",
    "FixedAccounts",
    "Denial",
    "hash_password",
    "verify_password",
    "check_action",
    "check_instcmd",
    "normalize_upsmon",
]

#: scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB, a few tens of ms per check.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_PREFIX = "scrypt"

#: Rights that NUT treats as one (net_primary / net_master).
_ALIASES = {"MASTER": "PRIMARY"}

_UPSMON_RIGHTS = {
    "primary": frozenset({"LOGIN", "PRIMARY", "FSD"}),
    "secondary": frozenset({"LOGIN"}),
}
_UPSMON_NAMES = {"primary": "primary", "master": "primary", "secondary": "secondary", "slave": "secondary"}


def normalize_upsmon(role: str | None) -> str | None:
    """'primary'/'master' -> 'primary', 'secondary'/'slave' -> 'secondary'."""
    if role is None:
        return None
    try:
        return _UPSMON_NAMES[role.lower()]
    except KeyError:
        raise ValueError(f"unknown upsmon role {role!r} (primary or secondary)") from None


def _right(action: str) -> str:
    upper = action.upper()
    return _ALIASES.get(upper, upper)


@dataclass(frozen=True, slots=True, kw_only=True)
class UserAccount:
    """One upsd.users section. Exactly one of password / password_hash, or neither."""

    name: str
    password: str | None = None
    password_hash: str | None = None
    actions: frozenset[str] = frozenset()
    instcmds: tuple[str, ...] = ()
    upsmon: str | None = None
    rights: frozenset[str] = field(init=False, repr=False)
    _cmds: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.password is not None and self.password_hash is not None:
            raise ValueError(f"user {self.name}: give password or password_hash, not both")
        if self.password_hash is not None:
            _parse_hash(self.password_hash)  # fail early on a malformed hash
        role = normalize_upsmon(self.upsmon)
        rights = {_right(a) for a in self.actions} | _UPSMON_RIGHTS.get(role or "", frozenset())
        object.__setattr__(self, "upsmon", role)
        object.__setattr__(self, "rights", frozenset(rights))
        object.__setattr__(self, "_cmds", frozenset(c.lower() for c in self.instcmds))

    @property
    def has_password(self) -> bool:
        return self.password is not None or self.password_hash is not None

    def password_matches(self, given: str) -> bool:
        if self.password_hash is not None:
            return verify_password(self.password_hash, given)
        if self.password is not None:
            return hmac.compare_digest(self.password.encode(), given.encode())
        return False

    def may(self, action: str) -> bool:
        return _right(action) in self.rights

    def may_run(self, command: str) -> bool:
        return "all" in self._cmds or command.lower() in self._cmds


class Accounts(Protocol):
    """Where the current accounts are read, at each check: a reload publishes a new
    mapping and the next check sees it (supervisor.cell.LatestCell fits)."""

    @property
    def value(self) -> Mapping[str, UserAccount]: ...


@dataclass(frozen=True, slots=True)
class FixedAccounts:
    """Accounts that never change (docs examples, benches, tests); fits :class:`Accounts`."""

    value: Mapping[str, UserAccount]


class Denial(str, Enum):
    """Why a check failed: for logs and the brute-force penalty, never the wire."""

    NO_CREDENTIALS = "no-credentials"
    UNKNOWN_USER = "unknown-user"
    BAD_PASSWORD = "bad-password"
    NOT_PERMITTED = "not-permitted"
    #: not checked: the address has too many replies held back after wrong guesses
    THROTTLED = "throttled"

    @property
    def is_guess(self) -> bool:
        """Failures that look like someone guessing credentials."""
        return self in (Denial.UNKNOWN_USER, Denial.BAD_PASSWORD)


def _authenticate(
    accounts: Mapping[str, UserAccount], username: str | None, password: str | None
) -> UserAccount | Denial:
    if username is None or password is None:
        return Denial.NO_CREDENTIALS
    account = accounts.get(username)  # case-sensitive, as user.c's strcmp
    if account is None or not account.has_password:
        return Denial.UNKNOWN_USER
    if not account.password_matches(password):
        return Denial.BAD_PASSWORD
    return account


def check_action(
    accounts: Mapping[str, UserAccount], username: str | None, password: str | None, action: str
) -> Denial | None:
    """None when *username*/*password* may do *action* (LOGIN, PRIMARY, FSD, SET)."""
    who = _authenticate(accounts, username, password)
    if isinstance(who, Denial):
        return who
    return None if who.may(action) else Denial.NOT_PERMITTED


def check_instcmd(
    accounts: Mapping[str, UserAccount], username: str | None, password: str | None, command: str
) -> Denial | None:
    """None when *username*/*password* may run instant command *command*."""
    who = _authenticate(accounts, username, password)
    if isinstance(who, Denial):
        return who
    return None if who.may_run(command) else Denial.NOT_PERMITTED


# -- password hashing ----------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """An scrypt hash of *password*: ``scrypt$n$r$p$salt_b64$hash_b64``."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, n, r, p, _KEY_BYTES)
    return f"{_PREFIX}${n}${r}${p}${_b64(salt)}${_b64(key)}"


def _parse_hash(stored: str) -> tuple[int, int, int, bytes, bytes]:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != _PREFIX:
        raise ValueError("password hash must look like scrypt$n$r$p$salt$hash")
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except ValueError as exc:
        raise ValueError(f"malformed scrypt password hash: {exc}") from None
    if n < 2 or n & (n - 1) or r < 1 or p < 1 or not key:
        raise ValueError("scrypt parameters out of range")
    return n, r, p, salt, key


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    maxmem = 128 * r * (n + p + 2) + 1024 * 1024
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=maxmem)


def verify_password(stored: str, password: str) -> bool:
    """True when *password* matches *stored* (an scrypt hash, or plaintext as in upsd.users)."""
    if not stored.startswith(_PREFIX + "$"):
        return hmac.compare_digest(stored.encode(), password.encode())
    try:
        n, r, p, salt, key = _parse_hash(stored)
    except ValueError:
        return False
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(key)), key)
