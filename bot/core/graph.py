"""Revision graphs of tools whose migrations name their parents: children, heads (leaf nodes) and
the branches they belong to.

Alembic: one graph per script directory; ``branch_labels`` start named branches, which may
legitimately have a head each, so heads are grouped by the labels inherited from their
ancestors. Django: one graph per app label; dependencies on other apps do not make a node a
parent within the app; a squashed migration stands in for the migrations it ``replaces``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.model import Migration


@dataclass(frozen=True)
class Graph:
    nodes: dict[str, Migration]  # node id -> migration
    parents: dict[str, tuple[str, ...]]  # node id -> parent node ids inside the graph
    children: dict[str, list[str]]

    def heads(self) -> list[str]:
        return sorted(n for n in self.nodes if not self.children.get(n))

    def ancestors(self, node: str) -> set[str]:
        return _reachable(node, self.parents)

    def descendants(self, node: str) -> set[str]:
        return _reachable(node, self.children)


def _reachable(start: str, edges: Mapping[str, Sequence[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _graph(nodes: dict[str, Migration], parents: dict[str, tuple[str, ...]]) -> Graph:
    children: dict[str, list[str]] = defaultdict(list)
    for node, ps in parents.items():
        for p in ps:
            children[p].append(node)
    return Graph(nodes, parents, dict(children))


def revision_graphs(
    migrations: Iterable[Migration], parents_scoped: Callable[[str], bool]
) -> dict[tuple[str, str], Graph]:
    """(framework, namespace) -> graph of the migrations of tools whose migrations name their
    parents; node ids are ``namespace:key``. ``parents_scoped(framework)``: its parents already
    name their scope (Django's `app:name`) rather than an id within the directory (Alembic's)."""
    everything = {(m.framework, m.node): m for m in migrations}
    # A squashed migration replaces its originals when they are present too.
    alias: dict[tuple[str, str], str] = {}
    for (framework, node), m in everything.items():
        for replaced in m.replaces:
            if (framework, replaced) in everything and replaced != node:
                alias[(framework, replaced)] = node
    by_scope: dict[tuple[str, str], dict[str, Migration]] = defaultdict(dict)
    for (framework, node), m in everything.items():
        if (framework, node) not in alias:
            by_scope[(framework, m.namespace)][node] = m
    graphs = {}
    for (framework, namespace), nodes in by_scope.items():
        scoped = parents_scoped(framework)
        parents = {}
        for node, m in nodes.items():
            named = (p if scoped else f"{namespace}:{p}" for p in m.parents)
            resolved = (alias.get((framework, p), p) for p in named)
            parents[node] = tuple(dict.fromkeys(p for p in resolved if p in nodes and p != node))
        graphs[(framework, namespace)] = _graph(nodes, parents)
    return graphs


def head_groups(graph: Graph) -> list[list[str]]:
    """Heads that collide: same inherited branch labels (Alembic); for Django, all leaves of the app."""
    groups: dict[frozenset[str], list[str]] = defaultdict(list)
    for head in graph.heads():
        labels = set(graph.nodes[head].branch_labels)
        for ancestor in graph.ancestors(head):
            labels.update(graph.nodes[ancestor].branch_labels)
        groups[frozenset(labels)].append(head)
    return [sorted(g) for g in groups.values() if len(g) > 1]
