"""After the merge, the Alembic revision graph or a Django app's graph would have two heads.

What goes wrong: this change's migration revises a parent that, on the base branch, already
has another child (a concurrent branch merged one). After the merge the history forks:
`alembic upgrade head` stops with "Multiple head revisions are present", and Django's
`migrate` stops with "Conflicting migrations detected". The deploy halts at the migration step.

Safe alternative: rebase and re-parent this migration onto the current head (set
`down_revision`, or the Django `dependencies` entry, to the other branch's migration), or add a
merge migration: `alembic merge -m "merge heads" <head1> <head2>` /
`python manage.py makemigrations --merge`.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.graph import Graph, alembic_graphs, django_graphs, head_groups
from bot.core.model import ChangeSet, Finding, Severity

ID = "multiple-migration-heads"
SEVERITY = Severity.ERROR
SUMMARY = "After the merge, a revision graph would have more than one head."

_FIX = {
    "alembic": "Re-parent it: set `down_revision` to `{other}`, or add a merge revision "
    '(`alembic merge -m "merge heads" {heads}`).',
    "django": "Re-parent it: depend on `{other}` instead, or run `python manage.py makemigrations --merge`.",
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for framework, graphs in (
        ("alembic", alembic_graphs(cs.merged.migrations)),
        ("django", django_graphs(cs.merged.migrations)),
    ):
        for scope, graph in graphs.items():
            yield from _check_graph(cs, framework, scope, graph)


def _check_graph(cs: ChangeSet, framework: str, scope: str, graph: Graph) -> Iterator[Finding]:
    for heads in head_groups(graph):
        for node, m in graph.nodes.items():
            if m.path not in cs.touched:
                continue
            forks = [p for p in graph.parents.get(node, ()) if len(graph.children.get(p, ())) > 1]
            if not forks:
                continue
            mine = [h for h in heads if h == node or h in graph.descendants(node)]
            if not mine:
                continue
            others = [h for h in heads if h not in mine]
            if not others:
                continue
            fork = forks[0]
            siblings = [c for c in graph.children[fork] if c != node and c not in graph.ancestors(node)]
            named = " and ".join(f"`{graph.nodes[c].key}`" for c in [node, *siblings])
            where = f"app `{scope}`" if framework == "django" else f"`{scope}`"
            other = graph.nodes[others[0]]
            heads_text = ", ".join(f"`{graph.nodes[h].key}` ({graph.nodes[h].path})" for h in heads)
            yield Finding(
                ID,
                SEVERITY,
                m.path,
                m.parents_line,
                f"{named} both revise `{graph.nodes[fork].key}`: after the merge, {framework} in {where} "
                f"would have {len(heads)} heads: {heads_text}.",
                _FIX[framework].format(
                    other=other.key if framework == "alembic" else f"('{other.namespace}', '{other.key}')",
                    heads=" ".join(graph.nodes[h].key for h in heads),
                ),
                framework,
                suggestion=_reparent_line(cs, m.path, m.parents_line, graph.nodes[fork].key, other.key)
                if framework == "alembic" and len(m.parents) == 1
                else None,
            )


def _reparent_line(cs: ChangeSet, path: str, line: int | None, old: str, new: str) -> str | None:
    """``down_revision = "old"`` rewritten to name the other head, when that line says just that."""
    text = cs.texts.get(path)
    if text is None or line is None:
        return None
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    current = lines[line - 1]
    for quote in ('"', "'"):
        literal = f"{quote}{old}{quote}"
        if current.count(literal) == 1 and current.lstrip().startswith("down_revision"):
            return current.replace(literal, f"{quote}{new}{quote}")
    return None
