"""What hostile input may look like, and what a reply line may be."""

from __future__ import annotations

from hypothesis import strategies as st

from nutrio.protocol.common.errors import NutError

#: ERR codes: NUT's, plus GET TRACKING's FAILED/UNKNOWN results.
ERR_LINES = {f"ERR {code.value}" for code in NutError} | {"ERR FAILED", "ERR UNKNOWN"}
#: Starts of every other reply upsd sends (docs/net-protocol.txt).
REPLY_STARTS = (
    "OK", "VAR ", "TYPE ", "DESC ", "CMDDESC ", "UPSDESC ", "NUMLOGINS ", "BEGIN LIST ", "END LIST ",
    "UPS ", "RW ", "CMD ", "ENUM ", "RANGE ", "CLIENT ", "Network UPS Tools upsd ", "Commands: ",
)
BARE_REPLIES = {"1.3", "ON", "OFF", "SUCCESS", "PENDING"}


def bad_reply_lines(data: bytes) -> list[str]:
    """Lines of *data* that are neither an ERR code nor a valid reply.

    A reply longer than upsd's 512-byte buffer is cut and runs into the
    next one, so only the start of each line is judged.
    """
    bad = []
    for raw in data.split(b"\n"):
        if not raw:
            continue
        text = raw.decode("latin-1")
        if text.startswith("ERR "):
            if text not in ERR_LINES and not any(text.startswith(e) for e in ERR_LINES):
                bad.append(text)
        elif not (text.startswith(REPLY_STARTS) or text in BARE_REPLIES
                  or any(text.startswith(b) for b in BARE_REPLIES)):
            bad.append(text)
    return bad


WORDS = st.sampled_from([
    "VER", "NETVER", "PROTVER", "HELP", "STARTTLS", "GET", "LIST", "SET", "INSTCMD", "USERNAME",
    "PASSWORD", "LOGIN", "LOGOUT", "PRIMARY", "MASTER", "FSD", "VAR", "RW", "CMD", "ENUM", "RANGE",
    "CLIENT", "UPS", "TYPE", "DESC", "CMDDESC", "UPSDESC", "NUMLOGINS", "TRACKING", "ON", "OFF",
    "edge", "EDGE", "nope", "ups.status", "ups.id", "battery.charge", "load.off", "admin", "secret",
    '"', '\\', "#", "=", '"edge', 'a"b', "\\\"", "\x00", "\xff", "\xc3\x28", "\t", "\r",
])
#: A request line built from protocol words and junk; newline optional.
LINE = st.builds(
    lambda words, sep, end: sep.join(words) + end,
    st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8),
    st.sampled_from([" ", "  ", "\t", " \\\n ", ""]),
    st.sampled_from(["\n", "\r\n", "", "\n\n"]),
)
#: Raw bytes a hostile client may send in one go.
PAYLOAD = st.one_of(
    st.binary(max_size=2000),
    st.lists(LINE, max_size=40).map(lambda lines: "".join(lines).encode("utf-8", "surrogatepass")),
    st.builds(lambda n, tail: b"GET VAR edge " + b"A" * n + tail,
              st.integers(400, 40000), st.sampled_from([b"\n", b"", b"\nVER\n"])),
    st.builds(lambda n: b"\x00" * n + b"\nVER\n", st.integers(1, 3000)),
    st.builds(lambda n: b'GET VAR "edge ' + b"x" * n, st.integers(0, 3000)),  # open quote
    st.builds(lambda n: b"VER\n" * n, st.integers(1, 500)),  # pipelined
)
