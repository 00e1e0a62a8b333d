"""Revision graphs of Alembic and Django: children, heads (leaf nodes) and the branches they belong to.

Alembic: one graph per script directory; ``branch_labels`` start named branches, which may
legitimately have a head each, so heads are grouped by the labels inherited from their
ancestors. Django: one graph per app label; dependencies on other apps do not make a node a
parent within the app; a squashed migration stands in for the migrations it ``replaces``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
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


def alembic_graphs(migrations: Iterable[Migration]) -> dict[str, Graph]:
    """Script directory -> graph; node ids are revision ids."""
    by_dir: dict[str, dict[str, Migration]] = defaultdict(dict)
    for m in migrations:
        if m.framework == "alembic":
            by_dir[m.namespace][m.key] = m
    graphs = {}
    for directory, nodes in by_dir.items():
        parents = {k: tuple(p for p in m.parents if p in nodes) for k, m in nodes.items()}
        graphs[directory] = _graph(nodes, parents)
    return graphs


def django_graphs(migrations: Iterable[Migration]) -> dict[str, Graph]:
    """App label -> graph of that app's migrations; node ids are ``label:name``."""
    everything = {m.node: m for m in migrations if m.framework == "django"}
    # A squashed migration replaces its originals when they are present too.
    alias: dict[str, str] = {}
    for node, m in everything.items():
        for replaced in m.replaces:
            if replaced in everything and replaced != node:
                alias[replaced] = node
    by_label: dict[str, dict[str, Migration]] = defaultdict(dict)
    for node, m in everything.items():
        if node not in alias:
            by_label[m.namespace][node] = m
    graphs = {}
    for label, nodes in by_label.items():
        parents = {}
        for node, m in nodes.items():
            resolved = (alias.get(p, p) for p in m.parents)
            parents[node] = tuple(dict.fromkeys(p for p in resolved if p in nodes and p != node))
        graphs[label] = _graph(nodes, parents)
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
