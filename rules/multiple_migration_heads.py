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

from bot.core.graph import Graph, head_groups, revision_graphs
from bot.core.model import ChangeSet, Finding, Migration, Severity
from bot.frameworks import traits_of

ID = "multiple-migration-heads"
SEVERITY = Severity.ERROR
SUMMARY = "After the merge, a revision graph would have more than one head."
GROUP = "history"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'after the merge, the Alembic graph (per branch label) or a Django app would have two heads'

EXAMPLES = {
    'history': (
        'main: alembic/versions/b2_orders.py <- a1\nbranch: alembic/versions/c3_invoices.py <- a1',
        'main: alembic/versions/b2_orders.py <- a1\nbranch: alembic/versions/c3_invoices.py <- b2',
    ),
}

def check(cs: ChangeSet) -> Iterator[Finding]:
    graphed = (m for m in cs.merged.migrations if traits_of(m.framework).graph)
    for (framework, scope), graph in revision_graphs(graphed, lambda f: traits_of(f).parents_scoped).items():
        yield from _check_graph(cs, framework, scope, graph)


def _check_graph(cs: ChangeSet, framework: str, scope: str, graph: Graph) -> Iterator[Finding]:
    traits = traits_of(framework)
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
            where = traits.scope_name.format(scope=scope)
            other = graph.nodes[others[0]]
            heads_text = ", ".join(f"`{graph.nodes[h].key}` ({graph.nodes[h].path})" for h in heads)
            yield Finding(
                ID,
                SEVERITY,
                m.path,
                m.parents_line,
                f"{named} both revise `{graph.nodes[fork].key}`: after the merge, {framework} in {where} "
                f"would have {len(heads)} heads: {heads_text}.",
                traits.heads_fix.format(
                    other=traits.head_name.format(namespace=other.namespace, key=other.key),
                    heads=" ".join(graph.nodes[h].key for h in heads),
                ),
                framework,
                suggestion=_reparent_line(cs, m, traits.parents_field, graph.nodes[fork].key, other.key)
                if not traits.parents_scoped and len(m.parents) == 1
                else None,
            )


def _reparent_line(cs: ChangeSet, m: Migration, field: str, old: str, new: str) -> str | None:
    """``down_revision = "old"`` (the tool's parents field) rewritten to name the other head,
    when that line says just that."""
    text, line = cs.texts.get(m.path), m.parents_line
    if text is None or line is None:
        return None
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    current = lines[line - 1]
    for quote in ('"', "'"):
        literal = f"{quote}{old}{quote}"
        if current.count(literal) == 1 and field and current.lstrip().startswith(field):
            return current.replace(literal, f"{quote}{new}{quote}")
    return None
