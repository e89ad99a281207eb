"""A stand-in for `nutrio run` as root: set up the shutdown, drop to a user, obey stdin.

Prints ``{"helper": pid}`` once privileges are dropped, then reads commands:
``shutdown`` (asks twice: the helper must run SHUTDOWNCMD once), ``garbage``
(writes bytes outside the closed message set), ``spawn`` (starts a child
that outlives us, as a NOTIFYCMD could), ``exit``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import trio

from nutrio.actors.upsmon.shutdown import PipeShutdown, prepare_shutdown
from nutrio.logs import configure_logging


def main() -> None:
    configure_logging("json")  # logs on stderr; stdout is for the test
    user, command, flag = sys.argv[1], sys.argv[2], sys.argv[3]
    runner = prepare_shutdown(command, Path(flag), user)
    assert isinstance(runner, PipeShutdown)
    helper = runner.helper
    assert helper is not None
    print(json.dumps({"helper": helper.pid, "uid": os.getuid()}), flush=True)
    for line in sys.stdin:
        match line.strip():
            case "shutdown":
                trio.run(runner.request_shutdown)
                trio.run(runner.request_shutdown)
                print("requested", flush=True)
            case "garbage":
                os.write(runner.fd, b"rm -rf /\n")
                print("sent", flush=True)
            case "spawn":
                child = subprocess.Popen(["sleep", "60"])
                print(json.dumps({"child": child.pid}), flush=True)
            case "alive":
                print(json.dumps({"alive": runner.helper_alive()}), flush=True)
            case "exit":
                return


if __name__ == "__main__":
    main()
