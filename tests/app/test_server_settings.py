"""[server] keys reach the listener's settings (nutrio.app.server_settings)."""

from __future__ import annotations

import pytest

from nutrio import conf
from nutrio.tree import server_settings

DEVICE = '[devices.ups]\ndriver = "dummy-ups"\nport = "ups.dev"\n'


def test_limits_from_the_config_reach_the_listener() -> None:
    config = conf.loads("[server]\nsend_timeout = 2.5\nauth_penalty = 1\nauth_penalty_cap = 8\n"
                        "idle_timeout = 30\nmax_line = 500\nmaxconn = 7\n" + DEVICE)
    s = server_settings(config)
    assert (s.send_timeout, s.auth_penalty, s.auth_penalty_cap) == (2.5, 1.0, 8.0)
    assert (s.idle_timeout, s.max_line, s.maxconn) == (30.0, 500, 7)


def test_defaults_are_the_listeners_own() -> None:
    from nutrio.protocol.upsd.session import ServerSettings

    s, plain = server_settings(conf.loads(DEVICE)), ServerSettings()
    assert (s.send_timeout, s.auth_penalty, s.auth_penalty_cap) == \
        (plain.send_timeout, plain.auth_penalty, plain.auth_penalty_cap)


def test_a_send_timeout_of_zero_is_refused_at_its_line() -> None:
    with pytest.raises(conf.ConfigError) as error:
        conf.loads("[server]\nsend_timeout = 0\n" + DEVICE, "n.toml")
    assert (error.value.line, error.value.key) == (2, "server.send_timeout")
