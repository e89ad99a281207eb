"""A bare NUT client for scenarios: a secondary that logs in and never logs out."""

from __future__ import annotations

import trio

from nutrio.actors.nutclient import NutClient


async def stuck_secondary(nursery: trio.Nursery, port: int, upsname: str) -> None:
    client = await NutClient.connect("127.0.0.1", port)
    await client.login("secuser", "sec", upsname, primary=False)

    async def hold() -> None:
        try:
            while True:  # keeps polling, as a hung-up upsmon's connection would stay
                await trio.sleep(10)
                await client.get_status(upsname)
        finally:
            await client.aclose()

    nursery.start_soon(hold)
