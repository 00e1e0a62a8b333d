"""One migration that changes several unrelated existing tables.

What goes wrong: every table it touches is locked in the same transaction, so one slow lock
stalls all of them and the lock wait is the sum; a failure rolls back unrelated changes; and a
reviewer cannot judge the deploy risk of a migration that does five things.

Safe alternative: one migration per table or concern. The threshold is
`max_tables_per_migration` in the configuration (default 3). New tables do not count.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Role, Severity
from bot.core.operations import SCHEMA_OPS, Op

ID = "unfocused-migration"
SEVERITY = Severity.NOTICE
SUMMARY = "One migration changes more existing tables than the configured maximum."
GROUP = "hygiene"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'more existing tables changed than `max_tables_per_migration`'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD COLUMN team_id bigint;\nALTER TABLE orgs ADD COLUMN plan text;\nALTER TABLE teams ADD COLUMN org_id bigint;\nALTER TABLE invoices ADD COLUMN team_id bigint;',
        'ALTER TABLE users ADD COLUMN team_id bigint;\nALTER TABLE teams ADD COLUMN org_id bigint;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    limit = cs.config.max_tables_per_migration if cs.config is not None else 3
    for m in cs.judged_migrations():
        if m.role is not Role.UP:
            continue
        ops = cs.operations(m)
        tables = sorted(
            {
                o.table
                for o in ops.operations
                if o.kind in SCHEMA_OPS and o.kind is not Op.CREATE_TABLE and o.table and ops.on_existing_table(o)
            }
        )
        if len(tables) <= limit:
            continue
        yield Finding(
            ID,
            SEVERITY,
            m.path,
            m.key_line or 1,
            f"This migration changes {len(tables)} existing tables ({', '.join(f'`{t}`' for t in tables)}); "
            f"the limit is {limit}.",
            "Split it into one migration per table or concern.",
            m.framework,
        )
