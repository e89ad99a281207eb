"""Reading the user guides in docs/: their fenced blocks, the files they show, their commands.

Conventions the guides follow (and the tests rely on):

- a fenced block preceded by a line holding only a backticked path and a colon
  (`` `primary/nutrio.toml`: ``) is that file; the path's first part names the
  machine. ```toml blocks always name their file;
- ```console blocks hold ``$ command`` lines, each followed by its output.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.paths import ROOT

DOCS = ROOT / "docs"
#: the pages this suite owns; their TOML, outputs and links are checked
GUIDES = ("guide-standalone.md", "guide-one-ups-many.md", "guide-big-box.md", "guide-bizarre.md")
PAGES = ("getting-started.md", *GUIDES, "chaos.md", "tracing.md", "README.md")


@dataclass(frozen=True, slots=True)
class Block:
    lang: str
    text: str
    label: str | None  # the file this block is, when a `path`: line precedes it
    section: str  # the heading above it
    line: int


def blocks(page: str) -> list[Block]:
    """The fenced blocks of docs/<page>, in order."""
    found: list[Block] = []
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    section, i = "", 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        fence = re.match(r"^```(\S*)\s*$", line)
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].rstrip() == "```")
        found.append(Block(fence.group(1), "\n".join(lines[i + 1:end]) + "\n",
                           _label(lines[:i]), section, i + 1))
        i = end + 1
    return found


def _label(before: list[str]) -> str | None:
    previous = next((s for s in reversed(before) if s.strip()), "")
    match = re.match(r"^`([^`\s]+)`:\s*$", previous)
    return match.group(1) if match else None


def files_of(page: str) -> dict[str, str]:
    """Every labelled block of *page*: path -> content."""
    files: dict[str, str] = {}
    for block in blocks(page):
        if block.label is None:
            continue
        assert ".." not in Path(block.label).parts, block.label
        assert files.get(block.label, block.text) == block.text, \
            f"{page}:{block.line}: {block.label} shown twice with different content"
        files[block.label] = block.text
    return files


def write_files(page: str, dest: Path) -> dict[str, Path]:
    written = {}
    for label, text in files_of(page).items():
        path = dest / label
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written[label] = path
    return written


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """``($ command, output lines)`` pairs of a console block."""
    out: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith(("$ ", "# ")):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line)
    return out


def shell_output(command: str) -> str:
    """What *command* prints through /bin/sh (as upsmon runs SHUTDOWNCMD), without error."""
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0 and done.stderr == "", (command, done.stderr)
    return done.stdout.rstrip("\n")
