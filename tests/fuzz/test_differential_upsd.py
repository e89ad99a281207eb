"""Differential fuzz: nutrio's upsd and the real upsd 2.8.0 get the same requests.

Hypothesis builds sequences of request lines from a grammar of NUT protocol
words (every command and sub-command, random case, real and unknown UPS,
variable and command names from the served dump, numbers, quoting and
backslash escapes, extra and missing words, blanks, comments, CRLF, words
near the 512-byte limit, credentials right and wrong). Each sequence goes
over one fresh connection to each server; every reply must be the same
bytes once version strings and TRACKING ids are masked.

The real upsd serves edge-cases.dev through real dummy-ups (one pair for
the whole module, once per transport of ours: stream and epoll); ours serves
a copy of what that upsd reports, through the listener running in a thread,
with the same users (tests/acl) and our one deliberate difference on this
path switched off (``max_line=0``: no ERR TOO-LONG for long lines, NUT's
word and argument limits instead). A
second test interleaves two clients (from 127.0.0.1 and 127.0.0.2, so
LIST CLIENT tells them apart).

Reading is deterministic, without sleeps: after each step's bytes the same
send carries a sentinel, ``GET DESC edge sentinel.<n>``, whose answer echoes
<n> and so can only be the sentinel's; the step's reply is everything
before it. Where NUT would not answer (a ``#`` inside quotes ends the read
it is in, silently), the step is padded with blanks to a whole number of
upsd's 512-byte reads, so the sentinel starts a read of its own. A step
that leaves a quote open or a line unfinished is closed by the harness
(see ``_close_step``), so the sentinel is never swallowed. A LOGOUT that
no other line end follows in its read makes the server answer that read
and hang up: that step is read to the end of the stream.

What must not change state for good is kept out: SET VAR on a writable
variable only sends its current value (or one too long to be taken), as a
changed value reaches the driver asynchronously and would race the next
read. FSD stays set for the module, on both sides alike.

``NUTRIO_DIFF_EXAMPLES=3000 NUTRIO_DIFF_RANDOM=1`` runs a long random search.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
import structlog
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nutrio.actors.registry import Registry
from nutrio.protocol.common.parseconf import Tokenizer, split_line
from nutrio.protocol.common.state import UpsData
from nutrio.protocol.upsd.session import ServerSettings
from tests.acl.test_matrix import KINDS, USERS, accounts, users_file
from tests.fuzz._wire import LINE
from tests.listener.conftest import TRANSPORTS, fetch_ups_data, start_device, start_listener
from tests.listener.test_transcript import EDGE, _mask
from tests.realnut import real_nut, requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.e2e]

T = TypeVar("T")
S = TypeVar("S")
K = TypeVar("K")

EXAMPLES = int(os.environ.get("NUTRIO_DIFF_EXAMPLES", "300"))
RANDOM = os.environ.get("NUTRIO_DIFF_RANDOM") == "1"

differential = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

UPSD_READ = 512  # upsd's read buffer: a parse error drops the rest of the read it is in
WAIT = 2.0  # seconds for an answer that is due (normally well under a millisecond)

#: Ours as NUT: no line limit (our ERR TOO-LONG is a documented difference),
#: and no failed-login delay (it only slows the reply).
OURS = ServerSettings(max_line=0, auth_penalty=0.001, auth_penalty_cap=0.002)


# -- the two servers --------------------------------------------------------------------


@dataclass(frozen=True)
class Servers:
    real: int
    ours: int
    data: UpsData = field(repr=False)


@contextlib.contextmanager
def nutrio_in_thread(data: UpsData, transport: str) -> Iterator[int]:
    """Our listener serving 'edge' with *data*, in a Trio loop of its own thread."""
    started: queue.Queue[object] = queue.Queue()

    async def serve() -> None:
        registry = Registry()
        async with trio.open_nursery() as nursery:
            await start_device(nursery, registry, "edge", data)
            port = await start_listener(nursery, registry, OURS, accounts=accounts(),
                                        descriptions=None, transport=transport)
            started.put((port, trio.lowlevel.current_trio_token(), nursery.cancel_scope))

    def run() -> None:
        try:
            trio.run(serve)
        except BaseException as exc:  # hand it to the waiting fixture
            started.put(exc)

    thread = threading.Thread(target=run, name="nutrio-listener", daemon=True)
    thread.start()
    got = started.get(timeout=30)
    if isinstance(got, BaseException):
        raise got
    port, token, scope = got  # type: ignore[misc]
    try:
        yield port
    finally:
        trio.from_thread.run_sync(scope.cancel, trio_token=token)
        thread.join(10)


@pytest.fixture(scope="module", params=TRANSPORTS)
def servers(request: pytest.FixtureRequest) -> Iterator[Servers]:
    """The real upsd and ours, on each of our transports in turn."""
    saved = structlog.get_config()
    # one connect/disconnect pair per example: keep the listener's info lines out
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    try:
        with real_nut({"edge": EDGE}, users=users_file()) as nut:
            data = fetch_ups_data(nut.port, "edge")
            with nutrio_in_thread(data, request.param) as port:
                yield Servers(real=nut.port, ours=port, data=data)
    finally:
        structlog.configure(**saved)


# -- the grammar ------------------------------------------------------------------------

# Slots of a request form; anything else in a form is a literal word.
UPS, VAR, CMD, VALUE, USER, PASS, ONOFF, TRACKID, NUMBER, JUNK = (
    "<ups>", "<var>", "<cmd>", "<value>", "<user>", "<pass>", "<onoff>", "<id>", "<number>",
    "<junk>")

FORMS: list[tuple[str, ...]] = [
    ("VER",), ("NETVER",), ("PROTVER",), ("HELP",), ("STARTTLS",),
    ("GET", "TRACKING"), ("GET", "TRACKING", TRACKID), ("GET", "NUMLOGINS", UPS),
    ("GET", "UPSDESC", UPS), ("GET", "VAR", UPS, VAR), ("GET", "TYPE", UPS, VAR),
    ("GET", "DESC", UPS, VAR), ("GET", "CMDDESC", UPS, CMD), ("GET", JUNK, UPS, VAR),
    ("LIST", "UPS"), ("LIST", "VAR", UPS), ("LIST", "RW", UPS), ("LIST", "CMD", UPS),
    ("LIST", "CLIENT", UPS), ("LIST", "ENUM", UPS, VAR), ("LIST", "RANGE", UPS, VAR),
    ("LIST", JUNK, UPS),
    ("USERNAME", USER), ("PASSWORD", PASS), ("LOGIN", UPS), ("PRIMARY", UPS), ("MASTER", UPS),
    ("FSD", UPS), ("SET", "VAR", UPS, VAR, VALUE), ("SET", "TRACKING", ONOFF),
    ("SET", JUNK, ONOFF), ("INSTCMD", UPS, CMD), ("INSTCMD", UPS, CMD, NUMBER),
    ("LOGOUT",), ("LOGOUT", JUNK), (JUNK,), (JUNK, UPS, VAR), ("ATTACH", UPS), ("DETACH",), (),
]

#: Words that are no command or sub-command (LOGOUT and VAR are kept out on purpose).
JUNK_WORDS = ["FOO", "ATTACH", "DETACH", "UPS", "CLIENT", "x", "=", "a=b", "caf\u00e9", "\x01",
              "\x7f", "\x00", "\\", "1", "-", "\u2603", "GETVAR", "VER2"]


@functools.cache
def upto(n: int) -> st.SearchStrategy[int]:
    """An integer 0..n (strategies are built once: hypothesis checks each on first use)."""
    return st.integers(0, n)


BOOLEANS = st.booleans()


@functools.cache
def long_word(filler: str = "v") -> st.SearchStrategy[str]:
    """Words near upsd's 512-byte word limit."""
    return st.integers(500, 530).map(lambda n: filler * n)


# Strategies are built once (functools.cache, word_strategies): hypothesis checks a
# strategy on its first draw, and building them anew for every word made that check
# most of the module's CPU. The same strategies draw the same examples.
@functools.cache
def random_case(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word, word.upper(), word.lower(), word.capitalize()]) | (
        st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
            lambda flips: "".join(c.upper() if f else c.lower() for c, f in zip(word, flips))))


def weighted(*choices: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """One of the strategies, each as often as its weight says."""
    return st.one_of([strategy for weight, strategy in choices for _ in range(weight)])


def draw_slot(draw: st.DrawFn, kind: str, data: UpsData, var_word: str | None) -> str:
    """One word for *kind*; *var_word* is the variable a VALUE goes with."""
    if kind == VALUE:
        return draw(value_for(data, var_word))
    words = word_strategies(data)
    return draw(words[kind] if kind in words else random_case(kind))  # else a literal word


def per_data(build: Callable[[UpsData], S]) -> Callable[[UpsData], S]:
    """*build*, called once per served data (UpsData holds mappings: no hash)."""
    built: dict[int, tuple[UpsData, S]] = {}

    @functools.wraps(build)
    def cached(data: UpsData) -> S:
        hit = built.get(id(data))
        if hit is None or hit[0] is not data:  # the data kept alive: its id stays its own
            hit = built[id(data)] = (data, build(data))
        return hit[1]
    return cached


def per_data_and_key(build: Callable[[UpsData, K], S]) -> Callable[[UpsData, K], S]:
    """*build*, called once per served data and *key*."""
    tables: Callable[[UpsData], dict[K, S]] = per_data(lambda data: {})

    @functools.wraps(build)
    def cached(data: UpsData, key: K) -> S:
        table = tables(data)
        if key not in table:
            table[key] = build(data, key)
        return table[key]
    return cached


@per_data
def word_strategies(data: UpsData) -> dict[str, st.SearchStrategy[str]]:
    """The strategy of each slot kind but VALUE."""
    other_vars = st.sampled_from(["nosuch", "server.version", "server.info", "SERVER.VERSION",
                                  "server.", "server.nosuch", "ups", "ups.status.x", "", 'a"b',
                                  "a\\b", "a#b", "a b", "x=y", "ups.st\x7fatus", "caf\u00e9",
                                  "ups.status\x00"])
    cmds = sorted(data.commands) + ["test.battery.start", "nosuch", ""]
    known = [p for p, *_ in USERS.values() if p is not None]
    return {
        UPS: weighted((14, random_case("edge")),
                      (5, st.sampled_from(["nope", "edge2", "", "ed ge", "edge\\", 'e"dge',
                                           "ed#ge", "ed=ge", "edge\x7f", "ed\x01ge"])),
                      (1, long_word())),
        VAR: weighted((15, st.sampled_from(sorted(data.vars)).flatmap(random_case)),
                      (4, other_vars), (1, long_word())),
        CMD: weighted((19, st.sampled_from(cmds).flatmap(random_case)), (1, long_word("c"))),
        USER: weighted((19, st.sampled_from([*USERS, "Admin", "ghost", ""])),
                       (1, long_word("u"))),
        PASS: weighted((19, st.sampled_from([*known, "wrong", "Secret", ""])),
                       (1, long_word("p"))),
        ONOFF: st.sampled_from(["ON", "OFF", "on", "Off", "maybe", "", "1"]),
        TRACKID: st.sampled_from(["123", "0", "", "00000000-0000-0000-0000-000000000000"])
        | st.uuids().map(lambda u: str(u).upper()),
        NUMBER: st.integers(-10**12, 10**12).map(str)
        | st.sampled_from(["0x10", "1e3", "3.14", "-", "", " 7"]),
        JUNK: st.sampled_from(JUNK_WORDS)
        | st.text(st.characters(max_codepoint=0x3FF, exclude_characters="\n"),
                  max_size=10).filter(lambda w: w.upper() not in ("VAR", "LOGOUT")),
    }


#: SET VAR's value for a variable that is not writable
OTHER_VALUE = weighted((6, st.sampled_from(["PbAc", "1", "", "x y", 'a"b', "OL"])),
                       (3, st.integers(-1000, 1000).map(str)), (1, long_word("z")))


@per_data_and_key
def value_for(data: UpsData, var_word: str | None) -> st.SearchStrategy[str]:
    """SET VAR's value. A writable variable only gets its current value or one too
    long for it: a change would reach the driver later and race later reads."""
    # the name as upsd reads it: bytes outside 0x20..0x7f are dropped
    seen = "".join(c for c in var_word or "" if 0x20 <= ord(c) <= 0x7F)
    name = data.canonical(seen) if var_word is not None else None
    if name is None or not data.var_info(name).rw:
        return OTHER_VALUE
    current = st.just(data.vars[name])
    length = data.var_info(name).string_len
    if length is None:
        return current
    return current | st.integers(length + 1, 600).map(lambda n: "y" * n)


# -- rendering words into bytes -----------------------------------------------------------

_PLAIN_BAD = set(' \t"\\#=')


def _plain_ok(word: str) -> bool:
    return bool(word) and all(0x21 <= ord(c) <= 0x7E and c not in _PLAIN_BAD for c in word)


@functools.cache
def render_word(word: str) -> st.SearchStrategy[bytes]:
    return _render_word(word)


@functools.cache
def _styles(plain: bool, nonempty: bool) -> st.SearchStrategy[str]:
    return st.sampled_from((["plain"] * 3 if plain else []) + ["quoted"]
                           + (["escaped"] if nonempty else []))


@st.composite
def _render_word(draw: st.DrawFn, word: str) -> bytes:
    """*word* spelled so that NUT's tokenizer reads it back: plain, in quotes,
    or with backslashes (gratuitous escapes of ordinary characters included)."""
    style = draw(_styles(_plain_ok(word), bool(word)))
    extra = draw(BOOLEANS) and draw(upto(3)) == 0  # a few needless escapes
    out = []
    for c in word:
        special = c in '"\\#' if style == "quoted" else c in _PLAIN_BAD
        out.append("\\" + c if special or (extra and c.isalnum()) else c)
    text = "".join(out)
    if style == "quoted":
        text = f'"{text}"'
    return text.encode("utf-8")


SEPARATOR = st.sampled_from([b" ", b" ", b" ", b"  ", b"\t", b" \t ", b"\t\t"])
ENDING = st.sampled_from([b"\n"] * 6 + [b"\r\n", b" \n", b"\t# comment\n", b" #x \"y\n",
                                        b" \\\n\n", b"\\\n\n", b"\n\n", b"\r\n\r\n"])
EXTRA_LINE = st.sampled_from([b"\n", b"   \n", b"# comment\n", b"\r\n", b"\t#\n"])
INDENT = st.sampled_from([b"", b"", b"", b" ", b"\t"])
TRICK = st.sampled_from(["hash", "open-quote", "byte", "join"])
STRAY_BYTE = st.sampled_from([b"\x00", b"\x01", b"\xff", b"\xc3\xa9", b"\r", b"\x0b", b"\x0c"])
FORM = st.sampled_from(FORMS)
CHANGE = st.sampled_from(["none"] * 8 + ["drop", "extra", "many"])
MANY_WORDS = st.lists(st.sampled_from(["w", "x y", "edge"]), min_size=25, max_size=40)


@per_data
def extra_words(data: UpsData) -> st.SearchStrategy[list[str]]:
    words = word_strategies(data)
    return st.lists(words[JUNK] | words[UPS], min_size=1, max_size=3)


@per_data
@st.composite
def request_words(draw: st.DrawFn, data: UpsData) -> list[str]:
    form = draw(FORM)
    words: list[str] = []
    var_word: str | None = None
    for part in form:
        word = draw_slot(draw, part, data, var_word)
        if part == VAR:
            var_word = word
        words.append(word)
    change = draw(CHANGE)
    if change == "drop" and words:
        words = words[: draw(upto(len(words) - 1))]
    elif change == "extra":
        words += draw(extra_words(data))
    elif change == "many":  # past upsd's 32 words a line
        words += draw(MANY_WORDS)
    return words


def is_set(words: list[str]) -> bool:
    return bool(words) and words[0].upper() == "SET"


def render_line(draw: st.DrawFn, words: list[str], tricks: bool = True) -> bytes:
    """One request line; with *tricks* maybe also a stray byte, a '#' inside
    quotes (a parse error), an open quote or a joined line."""
    parts = [draw(render_word(w)) for w in words]
    out = draw(INDENT)
    for i, part in enumerate(parts):
        out += (draw(SEPARATOR) if i else b"") + part
    out += draw(ENDING)
    if not tricks or draw(upto(5)) != 5:
        return out
    trick = draw(TRICK)
    at = draw(upto(max(0, len(out) - 1)))
    if trick == "hash":
        return out[:at] + b' "a#b" ' + out[at:]
    if trick == "open-quote":
        return out[:at] + b' "' + out[at:]
    if trick == "byte":
        return out[:at] + draw(STRAY_BYTE) + out[at:]
    return out[:at] + b"\\\n" + out[at:]


@per_data
def step_lines(data: UpsData) -> st.SearchStrategy[list[list[str]]]:
    return weighted((4, st.lists(request_words(data), min_size=1, max_size=3)),
                    (1, st.lists(request_words(data), min_size=4, max_size=12)))


@per_data
@st.composite
def grammar_step(draw: st.DrawFn, data: UpsData) -> bytes:
    """One to three request lines from the grammar, maybe blank ones.

    No tricks in a step with a SET line: an open quote or a joined line
    before it could make it set another value (see the module's doc)."""
    lines = draw(step_lines(data))
    tricks = not any(is_set(words) for words in lines)
    out = b""
    for words in lines:
        out += render_line(draw, words, tricks)
        if draw(upto(4)) == 4:
            out += draw(EXTRA_LINE)
    return out


#: Protocol words and junk strung together any which way (tests/fuzz/_wire.py).
RAW_STEP = st.lists(LINE, min_size=1, max_size=4).map(
    lambda lines: "".join(lines).encode("utf-8", "surrogatepass"))
#: The tokenizer's special bytes and a few words, in any order.
SOUP_STEP = st.lists(st.sampled_from([
    b"GET", b"VAR", b"LIST", b"DESC", b"UPS", b"edge", b"ups.status", b"x", b" ", b" ", b"\t",
    b"\n", b"\n", b"\r", b'"', b'"', b"\\", b"\\", b"#", b"=", b"\x00", b"\x0b", b"\x7f",
    b"\xff", b"\xc3\xa9"]), min_size=1, max_size=40).map(b"".join)


@per_data
def step(data: UpsData) -> st.SearchStrategy[bytes]:
    """What one send carries: mostly grammar, sometimes raw words; never a
    value change (see changes_a_value)."""
    return weighted((8, grammar_step(data)), (1, RAW_STEP), (1, SOUP_STEP)).map(_close_step).filter(
        lambda chunk: not changes_a_value(chunk, data))


#: The USERNAME/PASSWORD lines of one of test_matrix's kinds of client.
CREDENTIALS = st.sampled_from(sorted(KINDS)).map(
    lambda kind: [list(split_line(request)) for request in KINDS[kind]])


@per_data_and_key
def who_steps(data: UpsData, clients: int) -> st.SearchStrategy[list[tuple[int, bytes]]]:
    """(client, bytes) steps from any of *clients*."""
    return st.lists(st.tuples(upto(clients - 1), step(data)), min_size=1, max_size=10 * clients)


@st.composite
def session_steps(draw: st.DrawFn, data: UpsData, clients: int = 1) -> list[tuple[int, bytes]]:
    """(client, bytes) steps: each client's credentials, then steps from
    any of them, then maybe LOGOUT (with more lines in the same read, at times)."""
    steps = [(who, render_line(draw, words))
             for who in range(clients) for words in draw(CREDENTIALS)]
    steps += draw(who_steps(data, clients))
    for who in range(clients):
        if draw(upto(3)):
            bye = render_line(draw, [draw(random_case("LOGOUT"))])
            if draw(upto(3)) == 3:
                bye += draw(step(data))
            steps.append((who, bye))
    return steps


# -- the model of upsd's reads ---------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """How NUT's tokenizer takes one step's bytes, read in upsd's 512-byte reads."""

    unfinished: bool  # a quote or line still open at the end: the next bytes would join it
    parse_error: bool
    logout: bool  # a bare LOGOUT: the server answers this read, then hangs up


@functools.lru_cache(maxsize=4096)  # a step is read when drawn, closed and sent
def read_as_upsd(chunk: bytes) -> Reading:
    tok = Tokenizer()
    error = logout = False
    ended = True  # the last byte fed ended a line (the tokenizer keeps its words until the next)
    for start in range(0, len(chunk), UPSD_READ):
        for byte in chunk[start:start + UPSD_READ]:
            line = tok.feed_byte(byte)
            ended = line is not None
            if line is None:
                continue
            if line.error is not None:
                error = True
                break  # upsd drops the rest of this read
            # a line ending after LOGOUT in the same read keeps the client (upsd 2.8.0)
            logout = len(line.words) == 1 and line.words[0].upper() == "LOGOUT"
        if logout:
            break
    return Reading(tok.pending and not ended and not logout, error, logout)


def lines_as_upsd(chunk: bytes) -> Iterator[tuple[str, ...]]:
    """The request lines upsd would act on in *chunk* (parse errors dropping the
    rest of their read), a LOGOUT's close aside."""
    tok = Tokenizer()
    for start in range(0, len(chunk), UPSD_READ):
        for byte in chunk[start:start + UPSD_READ]:
            line = tok.feed_byte(byte)
            if line is not None and line.error is not None:
                break
            if line is not None:
                yield line.words


def changes_a_value(chunk: bytes, data: UpsData) -> bool:
    """Whether a SET VAR in *chunk* could reach the driver with a new value."""
    for words in lines_as_upsd(chunk):
        if len(words) < 5 or words[0].upper() != "SET" or words[1].upper() != "VAR":
            continue
        name = data.canonical(words[3])
        if name is None or not data.var_info(name).rw or words[4] == data.vars[name]:
            continue
        length = data.var_info(name).string_len
        if length is None or len(words[4]) <= length:
            return True
    return False


def _close_step(chunk: bytes) -> bytes:
    """Append what ends an open quote or an unfinished line (the harness's, not the
    grammar's), so the sentinel after it is a line of its own."""
    for _ in range(4):
        if not read_as_upsd(chunk).unfinished:
            return chunk
        for closer in (b"\n", b'"\n', b'""\n'):
            if not read_as_upsd(chunk + closer).unfinished:
                return chunk + closer
        chunk += b'"'
    raise AssertionError(f"cannot close {chunk!r}")


def prepare(chunk: bytes) -> tuple[bytes, Reading]:
    """The bytes to send for one step (closed, padded after a parse error)."""
    chunk = _close_step(chunk)
    reading = read_as_upsd(chunk)
    if reading.parse_error and not reading.logout:
        chunk += b" " * (-len(chunk) % UPSD_READ)  # blanks: nothing for the tokenizer
    return chunk, reading


# -- talking to a server -------------------------------------------------------------------


class Conversation:
    """One client connection; each step's reply as masked text."""

    def __init__(self, port: int, source: str = "127.0.0.1") -> None:
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT,
                                             source_address=(source, 0))
        self.open = True
        self.sentinels = 0
        # a first round trip: the server has taken this client on before the next
        # one connects (LIST CLIENT lists the newest first)
        self.step(b"", Reading(unfinished=False, parse_error=False, logout=False))

    def step(self, chunk: bytes, reading: Reading) -> str:
        """Send one prepared step; its reply, or '<closed>' / '<no answer>' appended."""
        if reading.logout:
            return self._exchange(chunk, None)
        self.sentinels += 1
        n = self.sentinels
        sentinel = f"GET DESC edge sentinel.{n}\n".encode()
        answer = f'DESC edge sentinel.{n} "Description unavailable"\n'.encode()
        return self._exchange(chunk + sentinel, answer)

    def _exchange(self, payload: bytes, answer: bytes | None) -> str:
        got = bytearray()
        end = ""
        deadline = time.monotonic() + WAIT
        try:
            self.sock.sendall(payload)
            while answer is None or not got.endswith(answer):
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                # upsd writes each reply on its own and Nagle holds the next one back
                # until ours is acknowledged: acknowledge at once (Linux resets this flag)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                chunk = self.sock.recv(65536)
                if not chunk:
                    end = "<closed>"
                    break
                got += chunk
        except (TimeoutError, socket.timeout):
            end = "<no answer>"
        except (BrokenPipeError, ConnectionResetError):
            end = "<closed>"
        if answer is not None and got.endswith(answer):
            del got[-len(answer):]
        if end:
            self.open = False
        return _mask(got.decode("latin-1")) + end

    def close(self) -> None:
        self.sock.close()


def numlogins_settle(port: int) -> None:
    """Wait until the server has let go of every LOGIN (the next example counts them)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
            sock.sendall(b"GET NUMLOGINS edge\n")
            if sock.recv(200) == b"NUMLOGINS edge 0\n":
                return
        time.sleep(0.01)


def converse(servers: Servers, steps: list[tuple[int, bytes]],
             clients: int = 1) -> tuple[list[str], list[str]]:
    """Play (client, bytes) *steps*, one connection per client to each server,
    step by step, until a reply differs; both transcripts. Client i connects
    from 127.0.0.<i+1>, so LIST CLIENT tells them apart."""
    real: list[Conversation] = []
    ours: list[Conversation] = []
    theirs: list[str] = []
    mine: list[str] = []
    try:
        for who in range(clients):
            real.append(Conversation(servers.real, f"127.0.0.{who + 1}"))
            ours.append(Conversation(servers.ours, f"127.0.0.{who + 1}"))
        for who, raw in steps:
            if not real[who].open:  # hung up on both sides alike (else we stopped)
                continue
            chunk, reading = prepare(raw)
            theirs.append(f"{who}: {chunk!r} => {real[who].step(chunk, reading)!r}")
            mine.append(f"{who}: {chunk!r} => {ours[who].step(chunk, reading)!r}")
            if theirs[-1] != mine[-1]:
                break
        bye, reading = prepare(b"LOGOUT\n")
        for conversation in real + ours:  # leave as upsmon does, so logins are given back
            if conversation.open:
                conversation.step(bye, reading)
    finally:
        for conversation in real + ours:
            conversation.close()
        numlogins_settle(servers.real)
        numlogins_settle(servers.ours)
    return theirs, mine


# -- the tests ----------------------------------------------------------------------------------


def test_sentinel_gets_its_own_answer(servers):
    """The harness itself: a parse error, an open quote, a cut reply and a
    LOGOUT are each read the same way on both servers."""
    steps = [b'GET VAR "edge" "a#b"\nVER\n', b'GET VAR "edge\nVER\n', b"GET DESC edge "
             + b"v" * 490 + b"\n", b"LOGOUT\nNETVER\n", b"VER\nLOGOUT\n"]
    theirs, mine = converse(servers, [(0, s) for s in steps])
    assert theirs == mine
    assert theirs[0].endswith("=> ''")  # the parse error dropped VER: no answer at all
    assert theirs[3].endswith("1.3\\n'")  # a line after LOGOUT in the same read: kept open
    assert theirs[4].endswith("OK Goodbye\\n<closed>'")


def test_two_clients_are_listed_newest_first(servers):
    login = [b"USERNAME prim\n", b"PASSWORD prim-pw\n", b"LOGIN edge\n"]
    steps = [(0, s) for s in login] + [(1, s) for s in login] + [
        (0, b"LIST CLIENT edge\n"), (1, b"GET NUMLOGINS EDGE\n")]
    theirs, mine = converse(servers, steps, clients=2)
    assert theirs == mine
    assert theirs[-2].endswith(
        "CLIENT edge 127.0.0.2\\nCLIENT edge 127.0.0.1\\nEND LIST CLIENT edge\\n'")


@differential
@given(st.data())
def test_every_reply_matches_real_upsd(servers, data):
    steps = data.draw(session_steps(servers.data), label="steps")
    theirs, mine = converse(servers, steps)
    assert mine == theirs


@settings(differential, max_examples=max(20, EXAMPLES // 3))
@given(st.data())
def test_two_clients_interleaved_match_real_upsd(servers, data):
    steps = data.draw(session_steps(servers.data, clients=2), label="steps")
    theirs, mine = converse(servers, steps, clients=2)
    assert mine == theirs
