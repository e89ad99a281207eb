"""upsd.users semantics, checked against the real upsd 2.8.0 by hand (see module docs)."""

from __future__ import annotations

import pytest

from nutrio.protocol.upsd.users import (
    Denial,
    UserAccount,
    check_action,
    check_instcmd,
    hash_password,
    verify_password,
)

FAST = {"n": 2**4}


def accounts(*users: UserAccount) -> dict[str, UserAccount]:
    return {u.name: u for u in users}


def test_scrypt_hash_round_trip_and_format():
    stored = hash_password("s3cret", **FAST)
    algo, n, r, p, salt, key = stored.split("$")
    assert (algo, n, r, p) == ("scrypt", "16", "8", "1") and salt and key
    assert verify_password(stored, "s3cret")
    assert not verify_password(stored, "s3cret ")
    assert hash_password("s3cret", **FAST) != stored  # fresh salt


def test_default_cost_hash_verifies():
    assert verify_password(hash_password("pw"), "pw")


def test_plaintext_stored_password_is_still_accepted():
    assert verify_password("plain", "plain")
    assert not verify_password("plain", "Plain")


@pytest.mark.parametrize("bad", ["scrypt$", "scrypt$x$8$1$AA==$AA==", "scrypt$3$8$1$AA==$AA==",
                                 "scrypt$16$8$1$!!$AA=="])
def test_malformed_hash_never_matches_and_is_refused_in_an_account(bad):
    assert not verify_password(bad, "x")
    with pytest.raises(ValueError):
        UserAccount(name="u", password_hash=bad)


def test_password_and_hash_together_are_refused():
    with pytest.raises(ValueError):
        UserAccount(name="u", password="a", password_hash=hash_password("a", **FAST))


@pytest.mark.parametrize(("role", "allowed"), [
    ("primary", {"LOGIN", "PRIMARY", "MASTER", "FSD"}),
    ("master", {"LOGIN", "PRIMARY", "MASTER", "FSD"}),
    ("secondary", {"LOGIN"}),
    ("slave", {"LOGIN"}),
])
def test_upsmon_roles_grant_what_upsd_grants(role, allowed):
    users = accounts(UserAccount(name="mon", password="p", upsmon=role))
    for action in ("LOGIN", "PRIMARY", "MASTER", "FSD", "SET"):
        expected = None if action in allowed else Denial.NOT_PERMITTED
        assert check_action(users, "mon", "p", action) is expected, action


def test_unknown_upsmon_role_is_an_error():
    with pytest.raises(ValueError):
        UserAccount(name="mon", password="p", upsmon="boss")


@pytest.mark.parametrize("given", ["MASTER", "PRIMARY", "master"])
def test_primary_and_master_actions_are_one_right(given):
    users = accounts(UserAccount(name="m", password="p", actions=frozenset({given})))
    assert check_action(users, "m", "p", "PRIMARY") is None
    assert check_action(users, "m", "p", "master") is None
    assert check_action(users, "m", "p", "LOGIN") is Denial.NOT_PERMITTED


def test_user_names_are_case_sensitive_actions_and_commands_are_not():
    users = accounts(UserAccount(name="Case", password="p", actions=frozenset({"fsd"}),
                                 instcmds=("LOAD.OFF",)))
    assert check_action(users, "Case", "p", "FSD") is None
    assert check_action(users, "case", "p", "FSD") is Denial.UNKNOWN_USER
    assert check_instcmd(users, "Case", "p", "load.off") is None
    assert check_instcmd(users, "Case", "p", "load.on") is Denial.NOT_PERMITTED


def test_instcmds_all_allows_every_command_but_no_action():
    users = accounts(UserAccount(name="a", password="p", instcmds=("ALL",)))
    assert check_instcmd(users, "a", "p", "anything.at.all") is None
    assert check_action(users, "a", "p", "SET") is Denial.NOT_PERMITTED


def test_helper_with_one_instcmd_is_refused_everything_else():
    users = accounts(UserAccount(name="helper", password="help", instcmds=("test.battery.start",)))
    for action in ("LOGIN", "PRIMARY", "FSD", "SET"):
        assert check_action(users, "helper", "help", action) is Denial.NOT_PERMITTED
    assert check_instcmd(users, "helper", "help", "load.off") is Denial.NOT_PERMITTED
    assert check_instcmd(users, "helper", "help", "test.battery.start") is None


def test_account_without_password_can_do_nothing():
    users = accounts(UserAccount(name="nopw", actions=frozenset({"FSD"})))
    assert check_action(users, "nopw", "", "FSD") is Denial.UNKNOWN_USER


def test_wrong_password_missing_credentials_and_hashed_accounts():
    users = accounts(UserAccount(name="admin", password_hash=hash_password("secret", **FAST),
                                 actions=frozenset({"SET"})))
    assert check_action(users, "admin", "secret", "SET") is None
    assert check_action(users, "admin", "wrong", "SET") is Denial.BAD_PASSWORD
    assert check_action(users, None, "secret", "SET") is Denial.NO_CREDENTIALS
    assert check_action(users, "admin", None, "SET") is Denial.NO_CREDENTIALS
    assert Denial.BAD_PASSWORD.is_guess and not Denial.NOT_PERMITTED.is_guess
