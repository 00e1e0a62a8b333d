"""The import graph of ``bot`` and ``rules``, and the rules it must keep (run by the tests).

Data flows one way, from plain records up to the App: a module may import its own layer or a
lower one, never a higher one, and no set of modules may import each other in a cycle. Imports
inside functions count too (hiding a cycle in a function does not remove it); a function-level
import of a project module must say why on its line (``# lazy: ...``, e.g. to keep sqlglot out
of runs that never analyse SQL).

Usage: ``python tools/import_graph.py`` prints the edges between packages and any violation.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: lowest first; a module's layer is that of the longest prefix naming it
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot", "bot.core"),
    ("bot.syntax",),
    ("bot.frameworks",),
    ("rules",),
    ("bot.pipeline",),
    ("bot.report",),
    ("bot.store",),
    ("bot.github",),
    ("bot.app",),
    ("bot.cli", "bot.demo", "bot.action"),
)


def modules() -> dict[str, Path]:
    found = {}
    for top in ("bot", "rules"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def layer(module: str) -> int:
    best, level = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, level = len(prefix), index
    return level


def imports(known: dict[str, Path]) -> list[tuple[str, str, int, bool, str]]:
    """(importer, imported, line, inside a function, source line) for every project import."""
    edges = []
    for name, path in known.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        nested: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                nested.update(id(n) for n in ast.walk(node) if n is not node)
        guarded = _type_checking_only(tree)
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.append(full if full in known else node.module)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                if target in known and target != name and id(node) not in guarded:
                    text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
                    edges.append((name, target, node.lineno, id(node) in nested, text))
    return edges


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Imports under ``if TYPE_CHECKING:`` exist for the type checker only."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            inside.update(id(n) for n in ast.walk(node))
    return inside


def cycles(edges: list[tuple[str, str, int, bool, str]]) -> list[list[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target, *_ in edges:
        graph[source].add(target)
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def violations() -> list[str]:
    known = modules()
    edges = imports(known)
    problems = []
    for source, target, line, nested, text in edges:
        where = f"{known[source].relative_to(ROOT)}:{line}"
        if layer(target) > layer(source):
            problems.append(f"{where}: {source} imports {target}, a higher layer")
        if nested and "# lazy:" not in text:
            problems.append(f"{where}: {source} imports {target} inside a function without `# lazy: why`")
    problems.extend("import cycle: " + " -> ".join(c) for c in cycles(edges))
    return problems


def main() -> int:
    known = modules()
    unplaced = sorted(m for m in known if layer(m) < 0)
    for module in unplaced:
        print(f"{module}: in no layer")
    problems = violations()
    for problem in problems:
        print(problem)
    return 1 if problems or unplaced else 0


if __name__ == "__main__":
    sys.exit(main())
