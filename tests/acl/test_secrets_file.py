"""A config file holding passwords that group or others can read draws a warning at start."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from nutrio import conf
from nutrio.app import warn_if_secrets_readable
from tests.nutriorun import EDGE_DEV, start_nutrio, wait_ready

WITH_USERS = '[server]\nlisten = ["127.0.0.1:{port}"]\n\n[users.admin]\npassword = "secret"\nactions = ["SET"]\n'
NO_SECRETS = '[server]\nlisten = ["127.0.0.1:{port}"]\n'


def write(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "nutrio.toml"
    path.write_text(text.format(port=3493))
    path.chmod(mode)
    return path


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_readable_password_file_is_warned_about(tmp_path, mode):
    path = write(tmp_path, WITH_USERS, mode)
    with capture_logs() as logs:
        assert warn_if_secrets_readable(conf.load(path))
    (event,) = [e for e in logs if e["event"] == "config.secrets_readable"]
    assert event["file"] == str(path) and event["mode"] == oct(mode) and event["log_level"] == "warning"
    assert "hunter2" not in str(event)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_private_password_file_is_not_warned_about(tmp_path, mode):
    with capture_logs() as logs:
        assert not warn_if_secrets_readable(conf.load(write(tmp_path, WITH_USERS, mode)))
    assert logs == []


def test_file_without_passwords_and_built_in_default_are_not_warned_about(tmp_path):
    with capture_logs() as logs:
        assert not warn_if_secrets_readable(conf.load(write(tmp_path, NO_SECRETS, 0o644)))
        assert not warn_if_secrets_readable(conf.default_config())
    assert logs == []


@pytest.mark.e2e
def test_nutrio_run_warns_at_startup(tmp_path):
    shutil.copyfile(EDGE_DEV, tmp_path / "edge.dev")
    path = tmp_path / "nutrio.toml"
    device = '\n[devices.edge]\ndriver = "dummy-ups"\nport = "edge.dev"\n'
    path.write_text(WITH_USERS.format(port=3493) + device)  # served on any free port instead
    path.chmod(0o644)
    proc = start_nutrio(path)
    try:
        wait_ready(proc)
    finally:
        proc.stop(20)
    warned = proc.events("config.secrets_readable")
    assert len(warned) == 1 and warned[0]["file"] == str(path)
