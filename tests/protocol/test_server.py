"""The pure upsd session: every command, every ERR path, as NUT 2.8.0 answers.

Expected texts were taken from the real upsd 2.8.0 (see the transcript test
in tests/listener for the side-by-side comparison).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from nutrio.protocol.common.state import CommandResult
from nutrio.protocol.upsd.replies import Descriptions, render_list
from nutrio.protocol.upsd.session import Action, ServerSettings, TlsSettings
from nutrio.protocol.upsd.users import Denial
from tests.protocol.test_server_world import NOW, ask, edge_like_data, make_world

VER = "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n"


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def session(world):
    return world.session()


def login(session, user="admin", pw="secret"):
    assert ask(session, f"USERNAME {user}\nPASSWORD {pw}\n") == "OK\nOK\n"


ANONYMOUS = [
    ("VER", VER),
    ("ver", VER),
    ("VER x", "ERR INVALID-ARGUMENT\n"),
    ("NETVER", "1.3\n"),
    ("PROTVER", "1.3\n"),
    ("NETVER x", "ERR INVALID-ARGUMENT\n"),
    ("HELP", "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS\n"),
    ("HELP me", "ERR INVALID-ARGUMENT\n"),
    ("STARTTLS", "ERR FEATURE-NOT-CONFIGURED\n"),
    ("STARTTLS x", "ERR FEATURE-NOT-CONFIGURED\n"),
    ("", "ERR UNKNOWN-COMMAND\n"),
    ("   ", "ERR UNKNOWN-COMMAND\n"),
    ("# only a comment", "ERR UNKNOWN-COMMAND\n"),
    ("foo", "ERR UNKNOWN-COMMAND\n"),
    ("ATTACH edge", "ERR UNKNOWN-COMMAND\n"),
    ("DETACH", "ERR UNKNOWN-COMMAND\n"),
    ("GET", "ERR INVALID-ARGUMENT\n"),
    ("GET VAR", "ERR INVALID-ARGUMENT\n"),
    ("GET VAR edge", "ERR INVALID-ARGUMENT\n"),
    ("GET FOO edge x", "ERR INVALID-ARGUMENT\n"),
    ("GET VAR edge ups.status", 'VAR edge ups.status "OL CHRG"\n'),
    ("GET VAR EDGE UPS.STATUS", 'VAR EDGE UPS.STATUS "OL CHRG"\n'),
    ("get var edge ups.status extra words", 'VAR edge ups.status "OL CHRG"\n'),
    ('GET "VAR" edge "ups.status"', 'VAR edge ups.status "OL CHRG"\n'),
    ("GET VAR edge ups.status # comment", 'VAR edge ups.status "OL CHRG"\n'),
    ("GET VAR edge ups.st\\atus", 'VAR edge ups.status "OL CHRG"\n'),
    ("GET VAR edge ups.id", 'VAR edge ups.id "A \\\\ B  C"\n'),
    ("GET VAR edge ups.vendorid", 'VAR edge ups.vendorid "x\\"y z\\"w"\n'),
    ("GET VAR edge nosuch", "ERR VAR-NOT-SUPPORTED\n"),
    ("GET VAR nope ups.status", "ERR UNKNOWN-UPS\n"),
    ("GET VAR nope server.version", 'VAR nope server.version "2.8.0"\n'),
    ("GET VAR edge SERVER.VERSION", 'VAR edge server.version "2.8.0"\n'),
    ("GET VAR x server.info",
     'VAR x server.info "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/"\n'),
    ("GET VAR edge server.nope", "ERR VAR-NOT-SUPPORTED\n"),
    ("GET VAR down ups.status", "ERR DRIVER-NOT-CONNECTED\n"),
    ("GET UPSDESC edge", 'UPSDESC edge "test"\n'),
    ("GET UPSDESC Other", 'UPSDESC Other "Unavailable"\n'),
    ("GET UPSDESC down", 'UPSDESC down "rack \\"B\\""\n'),
    ("GET UPSDESC nope", "ERR UNKNOWN-UPS\n"),
    ("GET NUMLOGINS edge", "NUMLOGINS edge 0\n"),
    ("GET NUMLOGINS down", "ERR DRIVER-NOT-CONNECTED\n"),
    ("GET NUMLOGINS nope", "ERR UNKNOWN-UPS\n"),
    ("GET TYPE edge ups.id", "TYPE edge ups.id RW STRING:8\n"),
    ("GET TYPE edge driver.name", "TYPE edge driver.name NUMBER\n"),
    ("GET TYPE edge battery.charge", "TYPE edge battery.charge RW NUMBER\n"),
    ("GET TYPE edge ups.beeper.status", "TYPE edge ups.beeper.status RW ENUM STRING:10\n"),
    ("GET TYPE edge input.transfer.high", "TYPE edge input.transfer.high RW RANGE NUMBER\n"),
    ("GET TYPE edge server.version", "ERR VAR-NOT-SUPPORTED\n"),
    ("GET TYPE nope x", "ERR UNKNOWN-UPS\n"),
    ("GET DESC edge UPS.STATUS", 'DESC edge UPS.STATUS "UPS status"\n'),
    ("GET DESC edge nosuch", 'DESC edge nosuch "Description unavailable"\n'),
    ("GET DESC nope ups.status", "ERR UNKNOWN-UPS\n"),
    ("GET DESC down ups.status", "ERR DRIVER-NOT-CONNECTED\n"),
    ("GET CMDDESC edge LOAD.OFF", 'CMDDESC edge LOAD.OFF "Turn off the load immediately"\n'),
    ("GET CMDDESC edge nosuch", 'CMDDESC edge nosuch "Description unavailable"\n'),
    ("GET CMDDESC nope load.off", "ERR UNKNOWN-UPS\n"),
    ("GET TRACKING", "OFF\n"),
    ("GET TRACKING abc", "ERR FEATURE-NOT-CONFIGURED\n"),
    ("LIST", "ERR INVALID-ARGUMENT\n"),
    ("LIST FOO", "ERR INVALID-ARGUMENT\n"),
    ("LIST VAR", "ERR INVALID-ARGUMENT\n"),
    ("LIST ENUM edge", "ERR INVALID-ARGUMENT\n"),
    ("LIST FOO edge x", "ERR INVALID-ARGUMENT\n"),
    ("LIST VAR nope", "ERR UNKNOWN-UPS\n"),
    ("LIST VAR down", "ERR DRIVER-NOT-CONNECTED\n"),
    ("LIST RW down", "ERR DRIVER-NOT-CONNECTED\n"),
    ("LIST CMD down", "ERR DRIVER-NOT-CONNECTED\n"),
    ("LIST ENUM down x", "ERR DRIVER-NOT-CONNECTED\n"),
    ("LIST CLIENT nope", "ERR UNKNOWN-UPS\n"),
    ("LIST CLIENT down", "BEGIN LIST CLIENT down\nEND LIST CLIENT down\n"),
    ("LIST UPS extra",
     'BEGIN LIST UPS\nUPS edge "test"\nUPS Other "Description unavailable"\n'
     'UPS down "rack \\"B\\""\nEND LIST UPS\n'),
    ("LIST CMD edge", "BEGIN LIST CMD edge\nCMD edge load.off\nCMD edge test.battery.start\n"
     "END LIST CMD edge\n"),
    ("LIST ENUM edge ups.status", "BEGIN LIST ENUM edge ups.status\nEND LIST ENUM edge ups.status\n"),
    ("LIST ENUM EDGE ups.beeper.status",
     'BEGIN LIST ENUM EDGE ups.beeper.status\nENUM EDGE ups.beeper.status "enabled"\n'
     'ENUM EDGE ups.beeper.status "disabled"\nENUM EDGE ups.beeper.status "muted"\n'
     "END LIST ENUM EDGE ups.beeper.status\n"),
    ("LIST RANGE edge input.transfer.high",
     'BEGIN LIST RANGE edge input.transfer.high\nRANGE edge input.transfer.high "250" "270"\n'
     'RANGE edge input.transfer.high "280" "290"\nEND LIST RANGE edge input.transfer.high\n'),
    ("LIST RANGE edge nope", "ERR VAR-NOT-SUPPORTED\n"),
    ("LIST ENUM edge nope", "ERR VAR-NOT-SUPPORTED\n"),
    ("USERNAME", "ERR INVALID-ARGUMENT\n"),
    ("USERNAME a b", "ERR INVALID-ARGUMENT\n"),
    ("PASSWORD", "ERR INVALID-ARGUMENT\n"),
    ("LOGOUT x", "ERR INVALID-ARGUMENT\n"),
]


@pytest.mark.parametrize(("request_line", "expected"), ANONYMOUS)
def test_anonymous_request_gets_nut_reply(session, request_line, expected):
    assert ask(session, request_line + "\n") == expected


@pytest.mark.parametrize("command", ["LOGIN edge", "PRIMARY edge", "MASTER edge", "FSD edge",
                                     "SET VAR edge ups.id x", "SET TRACKING ON", "INSTCMD edge load.off",
                                     "set tracking off", "LOGIN", "FSD"])
def test_privileged_commands_want_username_then_password(world, command):
    session = world.session()
    assert ask(session, command + "\n") == "ERR USERNAME-REQUIRED\n"
    ask(session, "USERNAME admin\n")
    assert ask(session, command + "\n") == "ERR PASSWORD-REQUIRED\n"


def test_list_var_is_sorted_case_insensitively_and_escaped(session):
    assert ask(session, "LIST VAR edge\n") == (
        "BEGIN LIST VAR edge\n"
        'VAR edge battery.charge "100"\n'
        'VAR edge driver.name "dummy-ups"\n'
        'VAR edge Init "SSL without certificate database"\n'
        'VAR edge input.transfer.high "264"\n'
        'VAR edge ups.beeper.status "enabled"\n'
        'VAR edge ups.delay.shutdown "20"\n'
        'VAR edge ups.id "A \\\\ B  C"\n'
        'VAR edge ups.status "OL CHRG"\n'
        'VAR edge ups.vendorid "x\\"y z\\"w"\n'
        "END LIST VAR edge\n"
    )


def test_list_rw_shows_only_writable_variables(session):
    reply = ask(session, "LIST RW Edge\n")
    assert reply.startswith("BEGIN LIST RW Edge\nRW Edge battery.charge \"100\"\n")
    assert "driver.name" not in reply and "Init" not in reply
    assert reply.endswith('RW Edge ups.status "OL CHRG"\nEND LIST RW Edge\n')


def test_same_listing_is_rendered_once_per_data_object():
    data = edge_like_data()
    first = render_list("VAR", "edge", data, False)
    assert render_list("VAR", "edge", data, False) is first
    assert render_list("VAR", "EDGE", data, False) is not first
    assert render_list("VAR", "edge", edge_like_data(), False) == first


def test_reply_lines_are_cut_at_512_bytes_like_upsd(session):
    name = "v" * 480
    reply = session.receive_data(f"GET DESC edge {name}\nVER\n".encode(), NOW).reply
    assert reply == f'DESC edge {name} "Description unavailable\n'.encode()[:512] + VER.encode()


# -- feeding ---------------------------------------------------------------------

SCRIPT = b"VER\nGET VAR edge ups.status\nLIST UPS\nGET UPSDESC \"edge\"\n"


def test_same_replies_whole_or_byte_by_byte_or_with_trailing_bytes(world):
    whole = world.session().receive_data(SCRIPT, NOW).reply
    one = world.session()
    bytewise = b"".join(one.receive_data(bytes([b]), NOW).reply for b in SCRIPT)
    trailing = world.session().receive_data(SCRIPT + b"GET VAR edge", NOW).reply
    assert whole == bytewise == trailing
    assert whole.count(b"\n") == 8


def test_unterminated_quote_waits_for_more_input(session):
    assert ask(session, 'GET VAR "edge\n') == ""
    assert ask(session, 'VER\n') == ""
    # the quoted word ran on over both lines: UPS "edgeVER"
    assert ask(session, '" ups.status\n') == "ERR UNKNOWN-UPS\n"


def test_quoted_newline_is_dropped_and_backslash_newline_joins_lines(session):
    assert ask(session, 'GET VAR edge "ups.status\n"\n') == 'VAR edge ups.status "OL CHRG"\n'
    assert ask(session, "GET VAR edge \\\nups.status\n") == 'VAR edge ups.status "OL CHRG"\n'
    assert ask(session, "VER \\") == ""


def test_parse_error_drops_the_rest_of_that_read_only(session):
    assert ask(session, 'GET VAR edge "a#b" x\nVER\n') == ""
    assert ask(session, "VER\n") == VER


def test_bytes_outside_printable_ascii_are_ignored(session):
    raw = "GET VAR edge ups.st\u00e9atus\r\n".encode()
    assert session.receive_data(raw, NOW).reply == b'VAR edge ups.status "OL CHRG"\n'
    assert session.receive_data(b"GET VAR edge ups.st\x00atus\n", NOW).reply.startswith(b"VAR")


def test_overlong_line_gets_too_long_and_the_connection_goes_on(world):
    session = world.session()
    out = session.receive_data(b"GET VAR edge " + b"u" * 20000 + b" x\nVER\n", NOW)
    assert out.reply == b"ERR TOO-LONG\n" + VER.encode()
    assert out.action is Action.NONE


def test_without_line_limit_words_are_cut_at_512_bytes_as_upsd():
    world = make_world(ServerSettings(max_line=0))
    out = world.session().receive_data(b"GET VAR edge " + b"u" * 100000 + b"\nVER\n", NOW)
    assert out.reply == b"ERR VAR-NOT-SUPPORTED\n" + VER.encode()


# -- staleness -------------------------------------------------------------------


def test_data_older_than_maxage_is_stale(world):
    session = world.session()
    assert ask(session, "GET VAR edge ups.status\n", now=NOW + 15) .startswith("VAR")
    assert ask(session, "GET VAR edge ups.status\n", now=NOW + 15.5) == "ERR DATA-STALE\n"
    assert ask(session, "GET UPSDESC edge\n", now=NOW + 99) == 'UPSDESC edge "test"\n'


def test_driver_verdict_stale_and_disconnected(world):
    session = world.session()
    world.publish("edge", stale=True)
    assert ask(session, "LIST VAR edge\n") == "ERR DATA-STALE\n"
    world.publish("edge", stale=False, connected=False)
    assert ask(session, "GET TYPE edge ups.id\n") == "ERR DRIVER-NOT-CONNECTED\n"
    world.publish("edge", connected=True)
    assert ask(session, "GET TYPE edge ups.id\n") == "TYPE edge ups.id RW STRING:8\n"


# -- users, logins, FSD --------------------------------------------------------------


def test_password_is_only_checked_at_the_action(world):
    session = world.session()
    login(session, "admin", "wrong")
    assert ask(session, "FSD edge\n") == "ERR ACCESS-DENIED\n"
    (event,) = session.take_events()
    assert event.reason is Denial.BAD_PASSWORD and event.username == "admin"


def test_username_and_password_can_be_given_once(session):
    login(session)
    assert ask(session, "USERNAME x\nPASSWORD y\n") == (
        "ERR ALREADY-SET-USERNAME\nERR ALREADY-SET-PASSWORD\n")


def test_primary_user_logs_in_and_is_counted_and_listed(world):
    first, second = world.session("10.0.0.1"), world.session("::1")
    login(first, "monuser", "pass")
    login(second, "observer", "obs")
    assert ask(first, "LOGIN edge\nLOGIN edge\nPRIMARY edge\nMASTER EDGE\n") == (
        "OK\nERR ALREADY-LOGGED-IN\nOK PRIMARY-GRANTED\nOK MASTER-GRANTED\n")
    assert ask(second, "LOGIN EDGE\nPRIMARY edge\nFSD edge\n") == (
        "OK\nERR ACCESS-DENIED\nERR ACCESS-DENIED\n")
    assert ask(second, "GET NUMLOGINS Edge\n") == "NUMLOGINS Edge 2\n"
    assert ask(second, "LIST CLIENT EDGE\n") == (
        "BEGIN LIST CLIENT EDGE\nCLIENT edge ::1\nCLIENT edge 10.0.0.1\nEND LIST CLIENT EDGE\n")
    second.close()
    assert ask(first, "GET NUMLOGINS edge\n") == "NUMLOGINS edge 1\n"


def test_login_checks_order(world):
    session = world.session()
    login(session, "admin")
    assert ask(session, "LOGIN nope\nLOGIN edge\n") == "ERR UNKNOWN-UPS\nERR ACCESS-DENIED\n"


def test_fsd_puts_fsd_in_front_of_status_for_everyone(world):
    session, other = world.session(), world.session()
    login(session, "monuser", "pass")
    assert ask(session, "FSD nope\nFSD edge\n") == "ERR UNKNOWN-UPS\nOK FSD-SET\n"
    assert ask(other, "GET VAR edge ups.status\n") == 'VAR edge ups.status "FSD OL CHRG"\n'
    assert 'VAR edge ups.status "FSD OL CHRG"\n' in ask(other, "LIST VAR edge\n")
    assert 'RW edge ups.status "OL CHRG"\n' in ask(other, "LIST RW edge\n")
    assert ask(other, "GET VAR Other ups.status\n") == 'VAR Other ups.status "OL CHRG"\n'


def test_helper_with_one_instcmd_is_refused_everything_else(world):
    session = world.session()
    login(session, "helper", "help")
    assert ask(session, "LOGIN edge\nPRIMARY edge\nFSD edge\nSET VAR edge ups.id x\n"
                        "INSTCMD edge load.off\nINSTCMD edge TEST.BATTERY.START\n") == (
        "ERR ACCESS-DENIED\n" * 5 + "OK\n")
    assert [r.name for r in world.sent] == ["test.battery.start"]


def test_unknown_user_is_denied_and_reported_as_a_guess(world):
    session = world.session()
    login(session, "nobody", "x")
    assert ask(session, "SET VAR edge nosuch 1\nINSTCMD edge nosuch\n") == (
        "ERR ACCESS-DENIED\nERR CMD-NOT-SUPPORTED\n")
    assert [e.reason.is_guess for e in session.take_events()] == [True]


# -- SET / INSTCMD / TRACKING --------------------------------------------------------

SETS = [
    ("SET VAR", "ERR INVALID-ARGUMENT\n"),
    ("SET", "ERR INVALID-ARGUMENT\n"),
    ("SET FOO", "ERR INVALID-ARGUMENT\n"),
    ("SET FOO bar", "ERR INVALID-ARGUMENT\n"),
    ("SET VAR edge ups.id", "ERR INVALID-ARGUMENT\n"),
    ("SET TRACKING", "ERR INVALID-ARGUMENT\n"),
    ("SET TRACKING maybe", "ERR INVALID-ARGUMENT\n"),
    ("SET VAR nope x y", "ERR UNKNOWN-UPS\n"),
    ("SET VAR down x y", "ERR DRIVER-NOT-CONNECTED\n"),
    ("SET VAR edge nosuch 1", "ERR VAR-NOT-SUPPORTED\n"),
    ("SET VAR edge driver.name x", "ERR READONLY\n"),
    ("SET VAR edge server.version 1", "ERR VAR-NOT-SUPPORTED\n"),
    ("SET VAR edge ups.id 123456789", "ERR TOO-LONG\n"),
    ("SET VAR edge ups.id 12345678", "OK\n"),
    ("SET VAR EDGE UPS.ID 1 extra", "OK\n"),
    ("SET VAR edge ups.delay.shutdown 5", "ERR SET-FAILED\n"),
    ("SET VAR edge ups.beeper.status loud", "ERR INVALID-VALUE\n"),
    ("SET VAR edge ups.beeper.status Muted", "ERR INVALID-VALUE\n"),
    ("SET VAR edge ups.beeper.status muted", "OK\n"),
    ("SET VAR edge input.transfer.high 275", "ERR INVALID-VALUE\n"),
    ("SET VAR edge input.transfer.high 285", "OK\n"),
    ("SET VAR edge input.transfer.high 260abc", "OK\n"),
    ("SET VAR edge input.transfer.high abc", "ERR INVALID-VALUE\n"),
    ("SET VAR edge battery.charge abc", "OK\n"),
    ("INSTCMD", "ERR INVALID-ARGUMENT\n"),
    ("INSTCMD edge", "ERR INVALID-ARGUMENT\n"),
    ("INSTCMD nope load.off", "ERR UNKNOWN-UPS\n"),
    ("INSTCMD down load.off", "ERR DRIVER-NOT-CONNECTED\n"),
    ("INSTCMD edge nope", "ERR CMD-NOT-SUPPORTED\n"),
    ("INSTCMD edge LOAD.OFF", "OK\n"),
    ("SET TRACKING on", "OK\n"),
]


@pytest.mark.parametrize(("request_line", "expected"), SETS)
def test_admin_set_and_instcmd_replies(world, request_line, expected):
    session = world.session()
    login(session)
    assert ask(session, request_line + "\n") == expected


def test_requests_reach_the_driver_with_canonical_names(world):
    session = world.session()
    login(session)
    ask(session, "SET VAR EDGE UPS.ID \"a b\"\nINSTCMD edge LOAD.OFF 5\nINSTCMD edge load.off 5 6\n")
    assert [(r.kind, r.ups, r.name, r.value) for r in world.sent] == [
        ("SET", "edge", "ups.id", "a b"),
        ("INSTCMD", "edge", "load.off", "5"),
        ("INSTCMD", "edge", "load.off", None),
    ]


def test_number_check_is_optional_because_upsd_280_has_none():
    world = make_world(ServerSettings(check_numbers=True))
    session = world.session()
    login(session)
    assert ask(session, "SET VAR edge battery.charge abc\nSET VAR edge battery.charge -1.5\n") == (
        "ERR INVALID-VALUE\nOK\n")


def test_driver_that_cannot_take_a_request_gives_failed(world):
    session = world.session()
    login(session)
    world.accept = False
    assert ask(session, "SET VAR edge ups.id x\nINSTCMD edge load.off\n") == (
        "ERR SET-FAILED\nERR INSTCMD-FAILED\n")


def test_tracking_ids_report_driver_results(world):
    session = world.session()
    login(session)
    assert ask(session, "SET TRACKING ON\nGET TRACKING\nGET TRACKING abc\n") == (
        "OK\nON\nERR UNKNOWN\n")
    reply = ask(session, "INSTCMD edge load.off\n")
    assert reply.startswith("OK TRACKING ")
    tracking = reply.split()[-1]
    assert tracking == world.sent[-1].tracking and tracking.isupper() and len(tracking) == 36
    assert ask(session, f"GET TRACKING {tracking}\n") == "PENDING\n"
    world.ctx.state.tracking.record(CommandResult(tracking=tracking, code="SUCCESS"))
    assert ask(session, f"GET TRACKING {tracking.lower()}\n") == "SUCCESS\n"
    for code, text in [("FAILED", "ERR FAILED"), ("INVALID-ARGUMENT", "ERR INVALID-ARGUMENT"),
                       ("CMD-NOT-SUPPORTED", "ERR UNKNOWN"), ("UNKNOWN", "ERR UNKNOWN")]:
        world.ctx.state.tracking.record(CommandResult(tracking=tracking, code=code))
        assert ask(session, f"GET TRACKING {tracking}\n") == text + "\n"
    assert ask(session, f"GET TRACKING {tracking}\n", now=NOW + 3601) == "ERR UNKNOWN\n"
    assert ask(session, "SET TRACKING OFF\nGET TRACKING\nINSTCMD edge load.off\n") == (
        "OK\nOFF\nOK\n")


# -- connection-level actions ------------------------------------------------------------


def test_logout_answers_the_rest_of_the_read_then_closes(session):
    out = session.receive_data(b"VER\nLOGOUT\nVER", NOW)  # an unfinished line does not count
    assert out.reply == VER.encode() + b"OK Goodbye\n"
    assert out.action is Action.CLOSE


@pytest.mark.parametrize("after", [b"VER\n", b"\n", b"# comment\n", b"LOGOUT x\n"])
def test_a_line_ending_after_logout_in_the_same_read_keeps_the_client(session, after):
    # upsd 2.8.0 (found by tests/fuzz/test_differential_upsd.py): LOGOUT zeroes the
    # client's last_heard, every later line end in that read renews it, and only
    # a zero last_heard makes the main loop hang up.
    out = session.receive_data(b"LOGOUT\n" + after, NOW)
    assert out.reply.startswith(b"OK Goodbye\n")
    assert out.action is Action.NONE
    assert ask(session, "NETVER\n") == "1.3\n"


@pytest.mark.parametrize("after", [b"LOGOUT\n", b'"a#b"\nVER\n', b"   "])
def test_logout_last_in_its_read_closes(session, after):
    # a second LOGOUT, a parse error (the rest of the read is dropped) or
    # blanks: no line ends after the last LOGOUT
    out = session.receive_data(b"LOGOUT\n" + after, NOW)
    assert out.action is Action.CLOSE
    assert b"VERSION" not in out.reply


def test_starttls_hands_over_the_bytes_after_it():
    world = make_world(ServerSettings(tls=TlsSettings(certfile="x.pem")))
    session = world.session()
    out = session.receive_data(b"STARTTLS\n\x16\x03\x01rest", NOW)
    assert (out.reply, out.action, out.leftover) == (b"OK STARTTLS\n", Action.STARTTLS,
                                                     b"\x16\x03\x01rest")
    session.tls_started()
    assert ask(session, "STARTTLS\n") == "ERR ALREADY-SSL-MODE\n"


def test_required_tls_refuses_everything_but_basics_before_starttls():
    world = make_world(ServerSettings(tls=TlsSettings(certfile="x.pem", require=True)))
    session = world.session()
    assert ask(session, "VER\nUSERNAME a\nGET VAR edge ups.status\n") == (
        VER + "ERR ACCESS-DENIED\nERR ACCESS-DENIED\n")
    session.receive_data(b"STARTTLS\n", NOW)
    session.tls_started()
    assert ask(session, "GET VAR edge ups.status\n") == 'VAR edge ups.status "OL CHRG"\n'


def test_idle_clock_moves_only_on_complete_lines(session):
    session.receive_data(b"VER", NOW + 10)
    assert session.last_heard == NOW
    session.receive_data(b"\n", NOW + 20)
    assert session.last_heard == NOW + 20


def test_cmdvartab_descriptions_are_parsed_with_nut_tokenizer():
    table = Descriptions.parse(b'# c\nVARDESC ups.load "Load on UPS (percent of full)"\n'
                               b'CMDDESC load.off "Turn off the load immediately"\n'
                               b'VARDESC ups.load "second definition is ignored"\nJUNK\n')
    assert table.var("UPS.LOAD") == "Load on UPS (percent of full)"
    assert table.command("load.off") == "Turn off the load immediately"
    assert table.var("load.off") is None and len(table) == 2


def test_protocol_package_does_not_import_trio():
    code = ("import sys; import protocol.upsd.session, protocol.upsd.users; "
            "assert 'trio' not in sys.modules, 'trio imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")
