"""Code checks that keep the layout honest, read from the source with `ast` (nothing imported).

The library is every module under nutrio/, including the layers nutrio/ reaches through
symlinks (supervisor/, actors/, protocol/, conf/); files are named by their path in the
repository (``protocol/upsd/netget.py``), modules by their installed name
(``nutrio.protocol.upsd.netget``). The rules:

- **size**: no module over MAX_LINES physical lines.
- **private-name**: no ``from x import _y`` of a name that is not a module, and no
  ``mod._y`` on a name bound to a library module: another module's underscore names
  are its own business (the standard library's few documented ones, like os._exit, are
  not policed).
- **private-module**: a module whose dotted name has a component ``_x`` is imported only
  from inside the package that holds ``_x`` (its subpackages count as inside).
- **cycle**: no import cycles among nutrio modules. Every import statement counts,
  including those under ``if TYPE_CHECKING:`` and inside functions (a cycle deferred to
  call time is still a knot in the design). An edge goes to the module named:
  ``import a.b.c`` and ``from a.b import c`` go to ``a.b.c`` when that is a module, and
  ``from a.b import name`` goes to ``a.b`` (its ``__init__``). The parent packages
  Python runs first (``a``, ``a.b`` for ``import a.b.c``) are not edges: a package's
  ``__init__`` re-exporting its children is fine, because a child that takes a sibling
  module by its full name never needs its package's ``__init__`` to have finished. What
  is a cycle is a child importing a name that only its package's ``__init__`` defines or
  re-exports (``from a.b import Thing`` inside ``a/b/c.py``), while that ``__init__``
  imports the child: that is the loop that breaks depending on which module is imported
  first.
- **bare-layer**: nowhere (library, tests, bench) an absolute import of a top-level
  ``supervisor``, ``protocol``, ``conf`` or ``actors``: only ``nutrio.<layer>``, so the
  repository never depends on its folders being on sys.path (and PyPI's ``supervisor``
  is never shadowed).
- **layer**: supervisor/ imports nothing from nutrio outside ``nutrio.supervisor`` (it
  stays generic); protocol/ and conf/ never import ``nutrio.actors`` or trio (they stay
  pure; test_pure_packages_never_import_trio checks the same at run time).

A failure names the file, the line and the rule. tests/code_rules.py holds the checks;
test_each_rule_catches_what_it_forbids runs them on a planted checkout. ALLOWED lists the
known violations that sit in areas being reworked elsewhere; test_allowlist_has_no_stale_entries
fails once one of them is fixed, so the list only shrinks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.code_rules import MAX_LINES, RULES, Codebase, Violation

ROOT = Path(__file__).resolve().parents[1]

#: Known violations, each ``(rule, file, what)`` as a failure names them (no line numbers,
#: so an entry survives edits above it). Every entry sits in an area another change of
#: issue 12 is reworking; that change removes its entries when it lands, and nothing else
#: is ever added here.
ALLOWED: frozenset[tuple[str, str, str]] = frozenset()  # the upsd entries are gone (helper "upsd")


@pytest.fixture(scope="module")
def checkout() -> Codebase:
    return Codebase(ROOT)


def test_the_library_is_found_through_the_nutrio_symlinks(checkout: Codebase) -> None:
    mods = checkout.library
    for name in ("nutrio.cli", "nutrio.supervisor.tree", "nutrio.protocol.upsd.netget",
                 "nutrio.conf", "nutrio.actors.upsd.listener"):  # fmt: skip
        assert name in mods, name
    assert mods["nutrio.supervisor.tree"].file == "supervisor/tree.py"
    assert not any(m.file.startswith(("tests/", "bench/")) for m in mods.values())


@pytest.mark.parametrize("rule", RULES)
def test_library_follows_the_layout_rules(checkout: Codebase, rule: str) -> None:
    found = [v for v in checkout.violations(rule) if v.key not in ALLOWED]
    assert not found, f"{len(found)} violation(s) of [{rule}]:\n" + "\n".join(map(str, found))


def test_allowlist_has_no_stale_entries(checkout: Codebase) -> None:
    seen = {v.key for rule in RULES for v in checkout.violations(rule)}
    stale = sorted(ALLOWED - seen)
    assert not stale, "fixed, so remove from ALLOWED:\n" + "\n".join(map(str, stale))


# -- the checks themselves, on a planted checkout -----------------------------------------

#: file -> source; every line marked ``# <rule>`` must be reported, and nothing else.
PLANTED = {
    "nutrio/__init__.py": "",
    "nutrio/app.py": """
        from nutrio.conf import _reader  # private-module
        from nutrio.protocol.p.c import _hidden  # private-name
        from nutrio.protocol.p import c
        import nutrio.protocol.p.c as cc
        import nutrio.protocol.p.c
        import os
        x = (c._hidden,  # private-name
             cc._hidden,  # private-name
             nutrio.protocol.p.c._hidden,  # private-name
             c.__name__, os._exit, c.Thing)
    """,
    "nutrio/clients/__init__.py": "from nutrio.clients._conn import Conn\n",
    "nutrio/clients/_conn.py": "Conn = 1\n",
    "nutrio/clients/upsc.py": "from nutrio.clients import _conn\nfrom . import _conn\n",
    "nutrio/clients/sub/__init__.py": "",
    "nutrio/clients/sub/x.py": "from .._conn import Conn\n",
    "supervisor/__init__.py": "from nutrio.supervisor.spec import Spec\n",
    "supervisor/spec.py": "import trio\nSpec = 1\n",
    "supervisor/tree.py": """
        from . import spec
        from nutrio.conf import model  # layer
        import nutrio  # layer
    """,
    "protocol/__init__.py": "",
    # a package re-exporting its child, and the child taking a name back from it
    "protocol/p/__init__.py": "from .c import Thing  # cycle\n",
    "protocol/p/c.py": """
        Thing = _hidden = 1
        def later():
            from nutrio.protocol.p import Thing
    """,
    # the same shape without a cycle: the child takes its sibling by module name
    "protocol/q/__init__.py": "from .d import T\n",
    "protocol/q/d.py": "from nutrio.protocol.q import e\nT = 1\n",
    "protocol/q/e.py": """
        from typing import TYPE_CHECKING
        import trio  # layer
        if TYPE_CHECKING:
            from nutrio.actors.x import X  # layer
    """,
    "conf/__init__.py": "from nutrio.conf import model\n",
    "conf/_reader.py": "",
    "conf/model.py": "from nutrio.supervisor import spec\nfrom nutrio.conf import _reader\n",
    "conf/ok.py": "x = 1\n" * MAX_LINES,
    "conf/big.py": "x = 1\n" * (MAX_LINES + 1),
    "actors/__init__.py": "",
    # a cycle through an import only type checkers run
    "actors/x.py": """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from nutrio.actors.y import Y  # cycle
        X = 1
    """,
    "actors/y.py": "from nutrio.actors.x import X\nY = 1\n",
    "tests/test_x.py": """
        import protocol.p  # bare-layer
        from supervisor import tree  # bare-layer
        from nutrio.protocol import p
    """,
    "bench/b.py": "import conf  # bare-layer\nimport configparser\n",
}


def _plant(root: Path) -> set[tuple[str, str, int]]:
    expected = {("size", "conf/big.py", MAX_LINES + 1)}
    for file, text in PLANTED.items():
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "  # " in line:
                expected.add((line.rpartition("  # ")[2], file, number))
    for layer in ("supervisor", "protocol", "conf", "actors"):
        (root / "nutrio" / layer).symlink_to(Path("..", layer))
    return expected


def test_each_rule_catches_what_it_forbids(tmp_path: Path) -> None:
    expected = _plant(tmp_path)
    planted = Codebase(tmp_path)
    found = {(v.rule, v.file, v.line) for rule in RULES for v in planted.violations(rule)}
    assert found == expected


def test_a_failure_names_file_line_and_rule(tmp_path: Path) -> None:
    _plant(tmp_path)
    (cycle,) = Codebase(tmp_path).violations("cycle")[:1]
    assert str(cycle).startswith("actors/x.py:3: [cycle] nutrio.actors.x -> nutrio.actors.y -> "
                                 "nutrio.actors.x (actors/x.py:3 imports nutrio.actors.y; "
                                 "actors/y.py:1 imports nutrio.actors.x)")  # fmt: skip
    assert isinstance(cycle, Violation)


# -- typing and run-time purity -----------------------------------------------------------


def test_pure_layers_pass_mypy_strict() -> None:
    if shutil.which("mypy") is None and subprocess.run(
        [sys.executable, "-m", "mypy", "--version"], capture_output=True
    ).returncode:
        pytest.skip("mypy not installed (pip install -e '.[test]' brings it)")
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "-p", "nutrio.protocol", "-p", "nutrio.supervisor",
         "-p", "nutrio.conf"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:]


@pytest.mark.parametrize("package", ["nutrio.protocol", "nutrio.conf"])
def test_pure_packages_never_import_trio(package: str) -> None:
    code = (
        "import sys, pkgutil, importlib, %s as pkg\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "assert 'trio' not in sys.modules, 'trio imported'\n" % package
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
