"""A migration names a parent that exists nowhere.

What goes wrong: `down_revision` (Alembic) or a `dependencies` entry (Django) names a migration
that is not in the repository, usually because the parent was renamed, squashed away or lives
on a branch that was never merged. Alembic stops with "Revision ... is not present"; Django with
"NodeNotFoundError". Nothing migrates until it is fixed.

Safe alternative: point the parent at a migration that exists (the current head of the graph),
or merge the branch that holds the parent first.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.frameworks import traits_of

ID = "migration-parent-missing"
SEVERITY = Severity.ERROR
SUMMARY = "A `down_revision` or `dependencies` entry names a migration that does not exist."
GROUP = "history"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = '`down_revision` / `dependencies` names a migration that exists nowhere'

EXAMPLES = {
    'history': (
        'branch: alembic/versions/c3_invoices.py <- zz',
        'branch: alembic/versions/c3_invoices.py <- a1',
    ),
}

_SPECIAL = {"__first__", "__latest__"}


def check(cs: ChangeSet) -> Iterator[Finding]:
    known = {m.node for m in (*cs.head.migrations, *cs.merged.migrations)}
    replaced = {r for m in (*cs.head.migrations, *cs.merged.migrations) for r in m.replaces}
    scopes = {(m.framework, m.namespace) for m in cs.head.migrations}
    for m in cs.touched_migrations():
        traits = traits_of(m.framework)
        if not traits.graph:
            continue
        if not traits.parents_scoped:
            for parent in m.parents:
                if f"{m.namespace}:{parent}" not in known:
                    yield Finding(
                        ID,
                        SEVERITY,
                        m.path,
                        m.parents_line,
                        f"`{traits.parents_field}` names {traits.key_word} `{parent}`, "
                        "which exists nowhere at head.",
                        traits.missing_parent_fix,
                        m.framework,
                    )
        else:
            for parent in m.parents:
                label, _, name = parent.partition(":")
                if (m.framework, label) not in scopes or name in _SPECIAL or parent in known or parent in replaced:
                    continue  # another project's app, or a special name: cannot be judged from here
                yield Finding(
                    ID,
                    SEVERITY,
                    m.path,
                    m.parents_line,
                    f"This migration depends on `('{label}', '{name}')`, which exists nowhere at head.",
                    traits.missing_parent_fix.format(label=label),
                    m.framework,
                )
