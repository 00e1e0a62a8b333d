"""PostgreSQL: `SET NOT NULL` on a column of an existing table.

Lock: `ALTER COLUMN ... SET NOT NULL` scans the whole table to prove there is no NULL, holding
an ACCESS EXCLUSIVE lock all the while: every read and write waits.

Safe alternative (PostgreSQL 12+): add `CHECK (col IS NOT NULL) NOT VALID` (instant), then
`VALIDATE CONSTRAINT` in a later migration (scans without blocking writes), then `SET NOT NULL`,
which PostgreSQL proves from the valid constraint without a scan, and drop the CHECK.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Migration, Severity
from bot.core.operations import MigrationOps, Op, Operation
from bot.core.schema import Schema
from rules._operations import column, each_operation, finding, where

ID = "adding-not-nullable-field"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = '`SET NOT NULL` (full scan under ACCESS EXCLUSIVE)'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    ),
}


_CHECK_KINDS = (Op.ADD_CHECK, Op.VALIDATE_CONSTRAINT)


def check(cs: ChangeSet) -> Iterator[Finding]:
    # the CHECK constraints and validations of the change, by tool and scope, read once (not once per SET NOT NULL)
    change: dict[tuple[str, str], list[tuple[str, Operation]]] = {}
    for e in cs.judged_migrations():
        for o in cs.operations(e).operations:
            if o.kind in _CHECK_KINDS:
                change.setdefault((e.framework, e.namespace), []).append((e.path, o))
    proven: dict[int, set[int]] = {}  # per migration: its SET NOT NULLs a valid CHECK proves, found in one walk
    for m, ops, op in each_operation(cs, {Op.SET_NOT_NULL}, dialects={"postgres"}):
        if id(ops) not in proven:
            proven[id(ops)] = _proven_by_a_valid_check(change.get((m.framework, m.namespace), []), m, ops, cs.schemas.get(m.path))
        if id(op) in proven[id(ops)]:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"`SET NOT NULL` on {column(op, 'the column')} scans all of {where(op)} under an ACCESS EXCLUSIVE lock: "
            "reads and writes wait until it is done.",
            "Add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it, then SET NOT NULL and drop the CHECK.",
            suggestion=False,
        )


def _proven_by_a_valid_check(
    change: list[tuple[str, Operation]], m: Migration, ops: MigrationOps, before: Schema | None
) -> set[int]:
    """The migration's ``SET NOT NULL`` operations (by ``id``) with a valid ``CHECK (col IS NOT NULL)`` on
    the column before them (added valid, or added ``NOT VALID`` and then validated): in the schema
    the history leaves (``before``: the three deploys PostgreSQL's docs advise, add NOT VALID,
    validate, then SET NOT NULL, each in its own migration), in an earlier migration of the change,
    or earlier in this one. PostgreSQL 12+ then proves the column has no NULL from the constraint,
    without a scan."""
    earlier = [o for _path, o in sorted((c for c in change if c[0] < m.path), key=lambda c: c[0])]
    checks: dict[str, tuple[str | None, str | None]] = {}  # constraint -> (table, column)
    valid: set[tuple[str | None, str | None]] = set()
    proven: set[int] = set()
    for table, on in (before.constraints if before is not None else {}).items():
        for name, c in on.items():  # NOT VALID in the history: this migration may validate it
            if c.not_null_check and not c.valid:
                checks[name] = (table, c.column)
    for other in [*earlier, *ops.operations]:
        if other.kind is Op.ADD_CHECK and other.column is not None:
            if not other.not_valid:
                valid.add((other.table, other.column))
            elif other.constraint:
                checks[other.constraint] = (other.table, other.column)
        elif other.kind is Op.VALIDATE_CONSTRAINT and other.constraint in checks:
            valid.add(checks[other.constraint])
        elif other.kind is Op.SET_NOT_NULL and (
            (other.table, other.column) in valid or (before is not None and before.proven_not_null(other.table, other.column))
        ):
            proven.add(id(other))
    return proven
