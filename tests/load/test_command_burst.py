"""Many admins sending SET VAR at the same moment to a healthy driver: all accepted.

Found by the soak: with a 16-slot driver queue, a burst of 40 simultaneous
SETs got 23 ``ERR SET-FAILED`` from nutrio where the real upsd answers OK to
all 40 (its socket to the driver holds the burst).
"""

from __future__ import annotations

import pytest

from tests.load.loadkit import ADMIN, BIG_DEV, LineClient, nutrio_served
from tests.realnut import real_nut, requires_real_nut

pytestmark = pytest.mark.load

ADMINS = 40


def burst_of_sets(port: int) -> list[str]:
    clients = [LineClient(port) for _ in range(ADMINS)]
    try:
        for client in clients:
            client.login(*ADMIN)
        for i, client in enumerate(clients):  # all sent before any reply is read
            client.sock.sendall(f'SET VAR ups ups.id "burst{i}"\n'.encode())
        return [client.file.readline().decode() for client in clients]
    finally:
        for client in clients:
            client.close()


def test_a_burst_of_sets_from_many_admins_is_all_accepted(tmp_path):
    with nutrio_served(tmp_path) as served:
        assert burst_of_sets(served.port) == ["OK\n"] * ADMINS
        assert not served.events("request.refused")


@requires_real_nut
def test_real_upsd_accepts_the_same_burst():
    with real_nut({"ups": BIG_DEV}) as nut:
        assert burst_of_sets(nut.port) == ["OK\n"] * ADMINS
