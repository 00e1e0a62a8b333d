"""A migration added by the change sorts before the newest migration already on the base branch.

What goes wrong: while this branch was open, another branch merged a migration with a later
version. Version-ordered tools then meet this migration "in the past": Flyway and goose refuse
to apply it by default (out-of-order / missing migrations), golang-migrate never runs it
because the database version is already higher, and dbmate or Prisma run it after the newer
one, which is not the order the author tested. Production ends up with a schema no test saw.

Safe alternative: rebase on the base branch and renumber the new migration after the newest
one (the message proposes the name), then re-run the migrations locally.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Migration, Role, Severity
from bot.frameworks import traits_of
from rules._naming import proposed_path

ID = "migration-out-of-order"
SEVERITY = Severity.ERROR
SUMMARY = "A new migration sorts before the newest one already on the base branch."
GROUP = "history"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'an added migration sorts before the newest one on the base tip; proposes the new name'

EXAMPLES = {
    'history': (
        'main: db/migrations/00003_orders.sql\nbranch: db/migrations/00002_invoices.sql',
        'main: db/migrations/00002_orders.sql\nbranch: db/migrations/00003_invoices.sql',
    ),
}

def check(cs: ChangeSet) -> Iterator[Finding]:
    newest: dict[tuple[str, str], Migration] = {}
    for m in cs.base.migrations:
        if m.role is Role.UP and m.order is not None and m.path not in cs.touched:
            group = (m.framework, m.namespace)
            if group not in newest or m.order > (newest[group].order or ()):
                newest[group] = m
    added = cs.added_paths() - cs.base.paths()
    late: dict[tuple[str, str], list[Migration]] = defaultdict(list)
    for m in cs.touched_migrations():
        if m.role is not Role.UP or m.order is None or m.path not in added:
            continue
        top = newest.get((m.framework, m.namespace))
        if top is not None and m.order < (top.order or ()):
            late[(m.framework, m.namespace)].append(m)
    for group, members in late.items():
        top = newest[group]
        for steps, m in enumerate(sorted(members, key=lambda m: m.order or ()), start=1):
            yield Finding(
                ID,
                SEVERITY,
                m.path,
                m.key_line,
                f"Version {m.key} sorts before `{top.path}` (version {top.key}), "
                f"already on {cs.branch_name}: {traits_of(m.framework).out_of_order_effect or 'it would run out of order'}.",
                _rename_help(m, top, steps),
                m.framework,
            )


def _rename_help(m: Migration, top: Migration, steps: int) -> str:
    try:
        return f"Rebase and rename it to `{proposed_path(m, top, steps)}`."
    except ValueError:  # a name without a version (knex runs any file name, in name order)
        return f"Rebase and rename it so that its name sorts after `{top.path.rpartition('/')[2]}`."
