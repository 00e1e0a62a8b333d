"""PostgreSQL: a UNIQUE constraint added to an existing table by building its index.

Lock: `ADD CONSTRAINT ... UNIQUE (col)` builds the unique index under an ACCESS EXCLUSIVE lock:
no reads or writes for the whole build.

Safe alternative: `CREATE UNIQUE INDEX CONCURRENTLY idx ON t (col)` in one migration, then
`ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX idx` (instant) in the next.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, what, where

ID = "disallowed-unique-constraint"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: ADD UNIQUE builds its index under an ACCESS EXCLUSIVE lock."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = '`ADD UNIQUE` not built from a concurrently created index'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD CONSTRAINT email_unique UNIQUE (email);',
        '-- +goose NO TRANSACTION\nCREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\nALTER TABLE users ADD CONSTRAINT email_unique UNIQUE USING INDEX users_email_key;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.ADD_UNIQUE}, dialects={"postgres"}):
        if op.using_index or op.primary_key:  # a primary key: adding-serial-primary-key-field
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} on {where(op)} builds a unique index under an ACCESS EXCLUSIVE lock: reads and writes wait.",
            "Build it with `CREATE UNIQUE INDEX CONCURRENTLY`, then `ADD CONSTRAINT ... UNIQUE USING INDEX`.",
        )
