"""Sessions, cookies, CSRF tokens, Basic credentials and the login penalty (no server)."""

from __future__ import annotations

import base64

from nutrio.actors.web.auth import (
    Credentials,
    LoginPenalty,
    SessionStore,
    check_login,
    csrf_ok,
    parse_basic,
)
from tests.web.conftest import ACCOUNTS


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_cookie_finds_its_session_and_a_forged_one_does_not() -> None:
    store = SessionStore(b"k" * 32)
    session, cookie = store.create(Credentials("admin", "secret"))
    assert store.get(cookie) is session
    assert store.get(cookie + "x") is None
    assert SessionStore(b"other-key" * 4).get(cookie) is None
    assert store.get(None) is None


def test_idle_sessions_expire() -> None:
    clock = Clock()
    store = SessionStore(b"k" * 32, clock=clock, idle_timeout=100)
    _, cookie = store.create(Credentials("admin", "secret"))
    clock.now = 99
    assert store.get(cookie) is not None  # use keeps it alive
    clock.now = 198
    assert store.get(cookie) is not None
    clock.now = 299
    assert store.get(cookie) is None


def test_logout_and_dropping_a_user_end_sessions() -> None:
    store = SessionStore()
    one, c1 = store.create(Credentials("admin", "secret"))
    _, c2 = store.create(Credentials("admin", "secret"))
    store.drop(one)
    assert store.get(c1) is None and store.get(c2) is not None
    store.drop_user("admin")
    assert store.get(c2) is None and len(store) == 0


def test_csrf_token_belongs_to_its_session() -> None:
    store = SessionStore()
    a, _ = store.create(Credentials("admin", "secret"))
    b, _ = store.create(Credentials("admin", "secret"))
    assert csrf_ok(a, a.csrf)
    assert not csrf_ok(a, b.csrf)
    assert not csrf_ok(a, None)


def test_login_form_token_is_signed_and_dated() -> None:
    store = SessionStore(b"k" * 32)
    token = store.login_token()
    assert store.login_token_ok(token)
    assert not store.login_token_ok(token[:-2] + "xx")
    assert not SessionStore(b"j" * 32).login_token_ok(token)
    assert not store.login_token_ok("")


def test_basic_header_parsing() -> None:
    encoded = base64.b64encode(b"admin:se:cret").decode()
    assert parse_basic(f"Basic {encoded}") == Credentials("admin", "se:cret")
    assert parse_basic("Bearer abc") is None
    assert parse_basic("Basic !!!") is None
    assert parse_basic("Basic " + base64.b64encode(b"nocolon").decode()) is None


async def test_login_accepts_upsd_users_with_plain_or_hashed_passwords() -> None:
    assert await check_login(ACCOUNTS, "admin", "secret")
    assert await check_login(ACCOUNTS, "hashed", "s3cret")
    assert await check_login(ACCOUNTS, "monuser", "pass")
    assert not await check_login(ACCOUNTS, "admin", "Secret")
    assert not await check_login(ACCOUNTS, "Admin", "secret")  # names are case-sensitive, as upsd
    assert not await check_login(ACCOUNTS, "nobody", "secret")


def test_repeated_failed_logins_wait_longer_up_to_a_cap() -> None:
    clock = Clock()
    penalty = LoginPenalty(base=0.5, cap=4, memory=60, clock=clock)
    assert [penalty.failed("1.2.3.4") for _ in range(5)] == [0.5, 1, 2, 4, 4]
    assert penalty.failed("5.6.7.8") == 0.5
    clock.now = 100
    assert penalty.failed("1.2.3.4") == 0.5  # forgotten after a quiet while
    penalty.succeeded("5.6.7.8")
    assert penalty.failed("5.6.7.8") == 0.5
