"""The `nutrio` command line: version, help, check-config, passwd."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import nutrio
from nutrio.cli import main
from nutrio.protocol.upsd.users import verify_password

ROOT = Path(__file__).resolve().parents[2]


def _nutrio(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nutrio", *args], input=stdin, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60,
    )


def test_version() -> None:
    out = _nutrio("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"nutrio {nutrio.__version__}"


@pytest.mark.parametrize("sub", ["run", "check-config", "passwd"])
def test_every_subcommand_has_help(sub: str) -> None:
    out = _nutrio(sub, "--help")
    assert out.returncode == 0 and "usage: nutrio " + sub in out.stdout


def test_check_config_describes_the_embedded_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "dummy" in out and "dummy-ups" in out
    assert "secret" not in out


def test_check_config_names_file_line_and_key_of_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[server]\nlisten = ["127.0.0.1:3493"]\n\n[devices.ups1]\ndriver = "dummy-ups"\nport = "x.dev"\npollinterval = "fast"\n')
    out = _nutrio("check-config", str(bad))
    assert out.returncode == 1
    assert f"{bad}:7: devices.ups1.pollinterval" in out.stderr, out.stderr


def test_run_refuses_a_bad_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nmaxconn = -3\n")
    out = _nutrio("run", "--config", str(bad))
    assert out.returncode == 1 and "server.maxconn" in out.stderr


def test_passwd_prints_a_verifiable_scrypt_hash() -> None:
    out = _nutrio("passwd", "--stdin", stdin="hunter2\n")
    assert out.returncode == 0
    stored = out.stdout.strip()
    assert stored.startswith("scrypt$")
    assert verify_password(stored, "hunter2") and not verify_password(stored, "hunter3")


def test_passwd_without_a_terminal_reads_the_first_line_of_stdin() -> None:
    """`echo secret | nutrio passwd`: no prompt, no --stdin needed."""
    out = _nutrio("passwd", stdin="hunter2\nignored second line\n")
    assert (out.returncode, out.stderr) == (0, "")
    assert verify_password(out.stdout.strip(), "hunter2")


@pytest.mark.parametrize(("stdin", "line"), [
    ("", "nutrio: no password on standard input (try: echo secret | nutrio passwd)\n"),
    ("\n", "nutrio: empty password\n"),
])
def test_passwd_without_a_terminal_or_input_is_one_line_and_exit_1(stdin: str, line: str) -> None:
    out = _nutrio("passwd", stdin=stdin)
    assert (out.returncode, out.stdout, out.stderr) == (1, "", line)


@pytest.mark.parametrize(("answers", "code", "last"), [
    ((b"hunter2\n", b"hunter2\n"), 0, b"scrypt$"),
    ((b"hunter2\n", b"hunter3\n"), 1, b"nutrio: passwords differ"),
])
def test_passwd_on_a_terminal_asks_twice_without_echo(answers: tuple[bytes, bytes], code: int, last: bytes) -> None:
    from tests.clients.test_tty_prompts import converse

    dialogue = list(zip((b"Password: ", b"Again: "), answers, strict=True))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    status, transcript = converse([sys.executable, "-m", "nutrio", "passwd"], env, dialogue)
    assert status == code
    assert b"hunter" not in transcript  # not echoed
    assert transcript.splitlines()[-1].startswith(last), transcript


def test_client_subcommands_reach_nut_compatible_programs() -> None:
    out = _nutrio("upsc", "-h")
    assert "usage: upsc" in out.stdout + out.stderr


def test_run_refuses_a_config_with_nothing_to_run(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text('[server]\nlisten = ["127.0.0.1:3493"]\n')
    out = _nutrio("run", "--config", str(empty))
    assert out.returncode == 1 and "allow_no_device" in out.stderr


UNKNOWN_DRIVER = '[devices.ups]\ndriver = "al175"\nport = "auto"\n'
SHORT_OF_POWER = """[devices.ups]
driver = "dummy-ups"
port = "ups.dev"

[monitor]
minsupplies = 2

[[monitor.ups]]
system = "ups@localhost"
powervalue = 1
user = "mon"
password = "pw"
role = "primary"
"""


@pytest.mark.parametrize("sub", ["check-config", "run"])
@pytest.mark.parametrize(("text", "spot", "words"), [
    (UNKNOWN_DRIVER, ":2: devices.ups.driver:", "nutrio has no driver 'al175'"),
    (SHORT_OF_POWER, ":6: monitor.minsupplies:", "add up to 1, fewer than minsupplies = 2"),
])
def test_a_config_that_cannot_run_stops_at_the_spot(tmp_path: Path, sub: str, text: str,
                                                   spot: str, words: str) -> None:
    """upsdrvctl fails on a driver it lacks, upsmon on MINSUPPLIES it cannot reach:
    both checks happen before anything starts, naming file, line and key."""
    config = tmp_path / "nutrio.toml"
    config.write_text(text)
    out = _nutrio(sub, *(["--config"] if sub == "run" else []), str(config))
    assert out.returncode == 1
    assert out.stderr.startswith(f"nutrio: {config}{spot}") and words in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
