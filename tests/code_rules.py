"""The layout rules of tests/test_code_checks.py, read from source with `ast` (nothing imported).

A :class:`Codebase` is one checkout: its library is every module found under ``nutrio/``
(following the symlinks to the layer folders), named by its installed name and shown by
its path in the repository. Each ``*_violations`` method yields :class:`Violation`s; the
rules themselves are described in test_code_checks.py's docstring.
"""

from __future__ import annotations

import ast
import functools
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_LINES = 400
LAYERS = frozenset({"supervisor", "protocol", "conf", "actors"})
#: Directories never searched for Python files (repo state, caches, build output).
SKIP_DIRS = frozenset({"build", "dist", "node_modules", "__pycache__", "test-artifacts"})


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    file: str
    line: int
    what: str  # with rule and file, the key of an allowlist entry: no line numbers in it
    detail: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.file, self.what)

    def __str__(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.file}:{self.line}: [{self.rule}] {self.what}{extra}"


@dataclass(frozen=True)
class Module:
    name: str  # nutrio.protocol.upsd.netget
    file: str  # protocol/upsd/netget.py, where it lives in the repository
    is_package: bool

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def layer(self) -> str:
        """supervisor, protocol, conf, actors, or "" for nutrio's own modules."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 and parts[1] in LAYERS else ""


@dataclass(frozen=True)
class Import:
    """One imported thing: the module it loads and, for ``from m import n``, the name."""

    line: int
    target: str  # absolute module name, inside nutrio or not
    name: str | None = None  # a name taken from target that is not a module of the library


def python_files(top: Path, *, follow: bool) -> Iterator[Path]:
    for folder, dirs, files in os.walk(top, followlinks=follow):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                         and not d.endswith(".egg-info"))  # fmt: skip
        yield from (Path(folder, f) for f in sorted(files) if f.endswith(".py"))


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (left := _dotted(node.value)) is not None:
        return f"{left}.{node.attr}"
    return None


class Codebase:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._trees: dict[str, ast.Module] = {}
        self._found: dict[str, list[Violation]] = {}

    # -- reading ----------------------------------------------------------------------

    @functools.cached_property
    def library(self) -> dict[str, Module]:
        """Every library module by name, found through nutrio/ (following its symlinks)."""
        found = {}
        for path in python_files(self.root / "nutrio", follow=True):
            parts = list(path.relative_to(self.root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            file = path.resolve().relative_to(self.root.resolve()).as_posix()
            found[".".join(parts)] = Module(".".join(parts), file, is_package)
        return found

    def parse(self, file: str) -> ast.Module:
        if file not in self._trees:
            self._trees[file] = ast.parse((self.root / file).read_text(), file)
        return self._trees[file]

    def imports(self, mod: Module) -> Iterator[Import]:
        """Every import statement in the module, at any depth, resolved to absolute names."""
        for node in ast.walk(self.parse(mod.file)):
            if isinstance(node, ast.Import):
                yield from (Import(node.lineno, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = self._from_base(mod, node)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    if sub in self.library:
                        yield Import(node.lineno, sub)
                    else:
                        yield Import(node.lineno, base, None if alias.name == "*" else alias.name)

    @staticmethod
    def _from_base(mod: Module, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = mod.package.split(".")
        return ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [node.module])])

    def _module_names(self, mod: Module) -> dict[str, str]:
        """Names the module binds to modules (``netget`` -> nutrio.protocol.upsd.netget)."""
        bound = {}
        for node in ast.walk(self.parse(mod.file)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.partition(".")[0]
                    bound[alias.asname or top] = alias.name if alias.asname else top
            elif isinstance(node, ast.ImportFrom):
                base = self._from_base(mod, node)
                for alias in node.names:
                    if f"{base}.{alias.name}" in self.library:
                        bound[alias.asname or alias.name] = f"{base}.{alias.name}"
        return bound

    # -- the rules ----------------------------------------------------------------------

    def size_violations(self) -> Iterator[Violation]:
        for mod in self.library.values():
            lines = len((self.root / mod.file).read_text().splitlines())
            if lines > MAX_LINES:
                yield Violation("size", mod.file, lines, f"{lines} lines, over {MAX_LINES}")

    def private_name_violations(self) -> Iterator[Violation]:
        """``from m import _x`` from any module; ``mod._x`` on the library's modules (the
        standard library documents a few underscore functions, such as os._exit)."""
        for mod in self.library.values():
            for imp in self.imports(mod):
                if imp.name is not None and is_private(imp.name):
                    yield Violation("private-name", mod.file, imp.line,
                                    f"imports {imp.target}.{imp.name}")  # fmt: skip
            bound = self._module_names(mod)
            for node in ast.walk(self.parse(mod.file)):
                if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
                    continue
                head, _, rest = (_dotted(node.value) or "").partition(".")
                target = ".".join(filter(None, [bound.get(head), rest]))
                if head in bound and target in self.library:
                    yield Violation("private-name", mod.file, node.lineno,
                                    f"reads {target}.{node.attr}")  # fmt: skip

    def private_module_violations(self) -> Iterator[Violation]:
        for mod in self.library.values():
            for imp in self.imports(mod):
                parts = imp.target.split(".")
                for i, part in enumerate(parts):
                    package = ".".join(parts[:i])
                    inside = mod.name == package or mod.name.startswith(package + ".")
                    if is_private(part) and not inside:
                        yield Violation("private-module", mod.file, imp.line,
                                        f"imports {imp.target} from outside {package}")  # fmt: skip
                        break

    @functools.cached_property
    def import_graph(self) -> dict[str, dict[str, int]]:
        """importer -> {imported library module: line of the first such import}."""
        graph: dict[str, dict[str, int]] = {}
        for mod in self.library.values():
            edges = graph.setdefault(mod.name, {})
            for imp in self.imports(mod):
                if imp.target in self.library:
                    edges.setdefault(imp.target, imp.line)
        return graph

    def _reachable(self, start: str) -> set[str]:
        """Modules reached from ``start`` in one import or more."""
        seen: set[str] = set()
        todo = list(self.import_graph[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += self.import_graph[node]
        return seen

    def _shortest_cycle(self, first: str, knot: set[str]) -> list[str]:
        paths = {first: [first]}
        queue = [first]
        for node in queue:
            for child in sorted(self.import_graph[node]):
                if child == first:
                    return [*paths[node], first]
                if child in knot and child not in paths:
                    paths[child] = [*paths[node], child]
                    queue.append(child)
        raise AssertionError(f"no cycle through {first}")

    def cycle_violations(self) -> Iterator[Violation]:
        """One violation per knot (modules that all reach each other), naming its shortest
        cycle through its first module; the whole knot is in the detail."""
        reach = {name: self._reachable(name) for name in self.import_graph}
        knots = {frozenset(m for m in reach[n] if n in reach[m]) for n in reach if n in reach[n]}
        for knot in sorted(sorted(k) for k in knots):
            cycle = self._shortest_cycle(knot[0], set(knot))
            graph, mods = self.import_graph, self.library
            pairs = itertools.pairwise(cycle)
            steps = [f"{mods[a].file}:{graph[a][b]} imports {b}" for a, b in pairs]
            if len(knot) > len(cycle) - 1:
                steps.append(f"a knot of {len(knot)}: {', '.join(knot)}")
            yield Violation("cycle", mods[cycle[0]].file, graph[cycle[0]][cycle[1]],
                            " -> ".join(cycle), "; ".join(steps))  # fmt: skip

    def bare_layer_violations(self) -> Iterator[Violation]:
        """In every Python file of the checkout (library, tests, bench, scripts), once."""
        for path in python_files(self.root, follow=False):
            file = path.relative_to(self.root).as_posix()
            for node in ast.walk(self.parse(file)):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                for name in names:
                    if name.partition(".")[0] in LAYERS:
                        yield Violation("bare-layer", file, node.lineno,
                                        f"imports {name}, not nutrio.{name}")  # fmt: skip

    def layer_violations(self) -> Iterator[Violation]:
        for mod in self.library.values():
            if mod.layer not in {"supervisor", "protocol", "conf"}:
                continue
            for imp in self.imports(mod):
                if _crosses(mod.layer, imp.target):
                    yield Violation("layer", mod.file, imp.line,
                                    f"{mod.layer}/ imports {imp.target}")  # fmt: skip

    def violations(self, rule: str) -> list[Violation]:
        rules = {
            "size": self.size_violations,
            "private-name": self.private_name_violations,
            "private-module": self.private_module_violations,
            "cycle": self.cycle_violations,
            "bare-layer": self.bare_layer_violations,
            "layer": self.layer_violations,
        }
        if rule not in self._found:
            self._found[rule] = sorted(set(rules[rule]()))
        return self._found[rule]


RULES = ("size", "private-name", "private-module", "cycle", "bare-layer", "layer")


def _crosses(layer: str, target: str) -> bool:
    """Whether a module of ``layer`` may not import ``target``."""
    top = target.partition(".")[0]
    if layer == "supervisor":  # generic: nothing of nutrio's but itself
        return top == "nutrio" and not f"{target}.".startswith("nutrio.supervisor.")
    # protocol/ and conf/ are pure: no actors, no trio
    return f"{target}.".startswith("nutrio.actors.") or top == "trio" or top.startswith("trio_")
