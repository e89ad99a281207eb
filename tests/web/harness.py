"""Run drivers + our upsd + the web actor from a nutrio.toml, as `nutrio run` will.

Until nutrio/app.py starts the web actor itself, the browser test runs this
script as its subprocess: ``python -m tests.web.harness CONFIG``. It builds
the same :class:`nutrio.tree.Tree` and adds the web child with
:func:`web_spec`, which is the wiring proposed for nutrio/app.py.
"""

from __future__ import annotations

import functools
import signal
import sys
from typing import Any

import trio

from nutrio import conf
from nutrio.actors.web import run_web
from nutrio.actors.web.upsd import loopback
from nutrio.tree import Tree
from nutrio.logs import configure_logging
from nutrio.supervisor import ChildSpec, Restart


def web_spec(tree: Tree) -> ChildSpec:
    """The web child: the tree's registry and accounts, admin actions through our upsd."""

    def upsd() -> tuple[str, int] | None:
        if not tree.ports:
            return None
        return loopback(tree.listen[0][0]), tree.ports[0]

    start = functools.partial(run_web, tree.config.web, tree.registry, tree.accounts, upsd=upsd)
    return ChildSpec(id="web", start=start, restart=Restart.PERMANENT)


async def serve(config: conf.Config) -> None:
    tree = Tree(config, (), None)
    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with trio.open_nursery() as nursery:
            children: list[Any] = [*tree.children(), web_spec(tree)]
            await nursery.start(tree.root.run, children)
            async for _ in signals:
                await tree.root.stop()
                nursery.cancel_scope.cancel()
                break


def main() -> None:
    configure_logging("json", level="info")
    trio.run(serve, conf.load(sys.argv[1]))


if __name__ == "__main__":
    main()
