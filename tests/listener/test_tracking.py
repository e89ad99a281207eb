"""upsd's tracking actor: every driver result reaches GET TRACKING, whatever the listeners do."""

from __future__ import annotations

import trio
import trio.testing

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.listener import run_listener
from nutrio.actors.upsd.state import UpsdState
from nutrio.actors.upsd.tracking import run_tracking, submit_request
from nutrio.protocol.common.state import CommandRequest, CommandResult, UpsSnapshot
from nutrio.protocol.upsd.session import ServerSettings
from nutrio.protocol.upsd.users import UserAccount
from nutrio.supervisor.cell import LatestCell
from tests.listener.conftest import CMDVARTAB, TrioClient, small_data, start_device, start_listener


def reply(state: UpsdState, tracking: str) -> str:
    return state.server.tracking.reply(tracking, trio.current_time())


async def test_devices_added_after_start_are_drained_too(nursery):
    registry, state = Registry(), UpsdState()
    early = registry.add(DeviceHandle("early"))
    await nursery.start(run_tracking, registry, state)
    late = registry.add(DeviceHandle("late"))  # a reload adds a device
    ids = [state.server.tracking.new_id(trio.current_time()) for _ in range(2)]
    await early.results_in.send(CommandResult(tracking=ids[0], code="SUCCESS"))
    await late.results_in.send(CommandResult(tracking=ids[1], code="FAILED"))
    await trio.testing.wait_all_tasks_blocked()
    assert [reply(state, i) for i in ids] == ["SUCCESS", "ERR FAILED"]


async def test_a_removed_device_gives_its_last_results_then_is_left_alone(nursery):
    registry, state = Registry(), UpsdState()
    handle = registry.add(DeviceHandle("gone"))
    await nursery.start(run_tracking, registry, state)
    answered, later = (state.server.tracking.new_id(trio.current_time()) for _ in range(2))
    handle.results_in.send_nowait(CommandResult(tracking=answered, code="SUCCESS"))
    registry.remove("gone")  # in the same instant: the result is queued, not yet read
    await trio.testing.wait_all_tasks_blocked()
    assert reply(state, answered) == "SUCCESS"
    handle.results_in.send_nowait(CommandResult(tracking=later, code="SUCCESS"))
    await trio.testing.wait_all_tasks_blocked()
    assert reply(state, later) == "PENDING"  # nobody drains a removed device any more
    assert handle.results_out.statistics().current_buffer_used == 1


async def test_a_listener_that_stops_loses_no_result(nursery):
    registry, state = Registry(), UpsdState()
    handle = registry.add(DeviceHandle("edge"))  # its "driver" is this test
    handle.publish(UpsSnapshot(ups="edge", seq=1, taken_at=trio.current_time(), data=small_data()))
    await nursery.start(run_tracking, registry, state)
    other = await start_listener(nursery, registry, state=state)  # a second listen address
    async with trio.open_nursery() as first:
        client = await TrioClient.connect(await start_listener(first, registry, state=state))
        for line in ("USERNAME admin", "PASSWORD secret", "SET TRACKING ON"):
            await client.ask(line)
        answer = await client.ask("SET VAR edge ups.id rack-b")
        await client.aclose()
        first.cancel_scope.cancel()  # the listener it went through stops (a crash, a restart)
    request = handle.requests_out.receive_nowait()
    assert answer == f"OK TRACKING {request.tracking}\n"
    await handle.results_in.send(CommandResult(tracking=request.tracking, code="SUCCESS"))
    await trio.testing.wait_all_tasks_blocked()
    client = await TrioClient.connect(other)
    for line in ("USERNAME admin", "PASSWORD secret", "SET TRACKING ON"):
        await client.ask(line)
    assert await client.ask(f"GET TRACKING {request.tracking}") == "SUCCESS\n"
    await client.aclose()


def test_a_request_for_a_device_no_longer_there_is_refused():
    registry = Registry()
    request = CommandRequest(kind="INSTCMD", ups="nope", name="load.off")
    assert submit_request(registry, request) is False


async def test_a_reload_of_accounts_reaches_open_sessions(nursery):
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    admin = UserAccount(name="admin", password="secret", actions=frozenset({"FSD"}))
    accounts = LatestCell({"admin": admin})
    port: int = await nursery.start(_listener, registry, accounts)
    client = await TrioClient.connect(port)
    for line in ("USERNAME admin", "PASSWORD secret"):
        await client.ask(line)
    assert await client.ask("FSD edge") == "OK FSD-SET\n"
    accounts.publish({})  # admin removed from the config, SIGHUP
    assert await client.ask("FSD edge") == "ERR ACCESS-DENIED\n"
    accounts.publish({"admin": admin})
    assert await client.ask("FSD edge") == "OK FSD-SET\n"
    await client.aclose()


async def _listener(registry: Registry, accounts: LatestCell[dict[str, UserAccount]], *,
                    task_status: trio.TaskStatus[int]) -> None:
    await run_listener(("127.0.0.1", 0), registry, ServerSettings(auth_penalty=0.001), accounts,
                       descriptions=CMDVARTAB, task_status=task_status)
