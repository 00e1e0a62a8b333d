"""Two migrations share a version or revision id.

What goes wrong: concurrent branches often pick the same next number or the same timestamp.
After both merge, the tool either refuses to start (golang-migrate, goose, Alembic "Multiple
revisions", Flyway "Found more than one migration with version") or treats the second file as
already applied and silently never runs it (dbmate). Either way the deploy that carries the
second migration breaks or is wrong.

Safe alternative: give the migration added by this change a new version after the newest one
on the base branch (the message proposes one), or a freshly generated revision id for Alembic
(`alembic revision` and copy the operations), then re-run your tests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Migration, Role, Severity
from bot.frameworks import traits_of
from rules._naming import proposed_path

ID = "duplicate-migration-version"
SEVERITY = Severity.ERROR
SUMMARY = "Two migrations share a version or revision id."
GROUP = "history"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'two migrations share a version or revision id, in the change or between the change and the base tip'

EXAMPLES = {
    'history': (
        'main: db/migrations/00002_orders.sql\nbranch: db/migrations/00002_invoices.sql',
        'main: db/migrations/00002_orders.sql\nbranch: db/migrations/00003_invoices.sql',
    ),
}

def check(cs: ChangeSet) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str], list[Migration]] = defaultdict(list)
    for m in cs.merged.migrations:
        if m.role is Role.UP and traits_of(m.framework).keys_clash:
            groups[(m.framework, m.namespace, m.key)].append(m)
    base_paths = cs.base.paths()
    for (framework, namespace, key), members in groups.items():
        if len(members) < 2:
            continue
        newest = max(
            (m for m in cs.merged.migrations if m.framework == framework and m.namespace == namespace and m.order),
            key=lambda m: m.order or (),
            default=None,
        )
        for m in members:
            if m.path not in cs.touched:
                continue
            others = ", ".join(
                f"`{o.path}`" + (f" (on {cs.branch_name})" if o.path in base_paths and o.path not in cs.touched else "")
                for o in members
                if o is not m
            )
            traits = traits_of(framework)
            if traits.duplicate_fix:
                fix = traits.duplicate_fix
            elif newest is not None:
                fix = f"Renumber it after the newest one: `{proposed_path(m, newest)}`."
            else:
                fix = "Give it a version no other migration uses."
            yield Finding(
                ID,
                SEVERITY,
                m.path,
                m.key_line,
                f"{framework} {traits.key_word} `{key}` is also used by {others}: "
                f"{traits.duplicate_effect or 'the tool cannot tell them apart'}.",
                fix,
                framework,
            )
