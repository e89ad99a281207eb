"""PyPI's NUT clients (PyNUTClient, nut2, aionut) work against `nutrio run` unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.nutriorun import EDGE_DEV, Nutrio, nutrio_run

pytestmark = pytest.mark.e2e

PyNUT = pytest.importorskip("PyNUTClient.PyNUT", reason="pip install pynutclient")
nut2 = pytest.importorskip("nut2", reason="pip install nut2")
aionut = pytest.importorskip("aionut", reason="pip install aionut")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nutrio]:
    with nutrio_run(tmp_path_factory.mktemp("pyclients"), {"ups1": EDGE_DEV}) as srv:
        yield srv


def test_pynutclient_lists_gets_sets_and_runs(server: Nutrio) -> None:
    client = PyNUT.PyNUTClient(host="127.0.0.1", port=server.port, login="admin", password="secret")
    assert client.GetUPSList() == {b"ups1": b"Test UPS ups1"}
    variables = client.GetUPSVars("ups1")
    assert variables[b"ups.status"] == b"OL CHRG"
    assert variables[b"ups.temperature"] == b": 25"  # PyNUT itself does not unescape \"
    assert b"load.off" in client.GetUPSCommands("ups1")
    assert client.RunUPSCommand("ups1", "load.off") == "OK"
    assert client.SetRWVar("ups1", "battery.charge.low", "20") == "OK"
    assert b"battery.charge.low" in client.GetRWVars("ups1")
    with pytest.raises(PyNUT.PyNUTError, match="UNKNOWN-UPS"):
        client.GetUPSVars("nosuch")


def test_nut2_lists_gets_sets_and_runs(server: Nutrio) -> None:
    with nut2.PyNUTClient(host="127.0.0.1", port=server.port, login="admin", password="secret") as c:
        assert c.list_ups() == {"ups1": "Test UPS ups1"}
        assert c.get_var("ups1", "ups.status") == "OL CHRG"
        assert c.list_vars("ups1")["ups.temperature"] == ": 25"  # nut2 does not unescape
        assert "load.off" in c.list_commands("ups1")
        assert c.var_type("ups1", "ups.load") == "RW NUMBER"
        c.run_command("ups1", "load.off")
        c.set_var("ups1", "ups.delay.start", "30")
        assert c.num_logins("ups1") == 0


def test_aionut_lists_and_runs(server: Nutrio) -> None:
    async def scenario() -> tuple[dict[str, str], dict[str, str], set[str], str]:
        client = aionut.AIONUTClient(host="127.0.0.1", port=server.port, username="admin",
                                     password="secret")
        try:
            return (
                await client.list_ups(),
                await client.list_vars("ups1"),
                await client.list_commands("ups1"),
                await client.run_command("ups1", "load.off"),
            )
        finally:
            client.shutdown()

    ups, variables, commands, result = asyncio.run(scenario())
    assert ups == {"ups1": "Test UPS ups1"}
    assert variables["ups.temperature"] == ": 25"
    assert "load.off" in commands
    assert result == "OK"
