"""PostgreSQL: a CHECK constraint added to an existing table without `NOT VALID`.

Lock: adding the constraint validates every existing row while holding an ACCESS EXCLUSIVE lock:
reads and writes wait for the full scan. (squawk reports a foreign key without `NOT VALID` under
this id too; here it is `adding-foreign-key-constraint`, once.)

The same lock is kept when the `VALIDATE CONSTRAINT` of a `NOT VALID` constraint (a CHECK or a
foreign key) runs in the transaction that added it: the add's lock is held until the commit, so
the validation's scan blocks reads and writes as if `NOT VALID` had not been written (squawk
reports this under the same id). The transaction is the runner's (Rails, Django, goose, ...) or
the file's own `BEGIN`; a migration outside a transaction commits the add at once and is fine.

Safe alternative: add it `NOT VALID` (checks new rows only, instant), then in a later migration
`ALTER TABLE ... VALIDATE CONSTRAINT`, which scans under a SHARE UPDATE EXCLUSIVE lock that lets
reads and writes continue. Rails: `add_check_constraint ..., validate: false` then
`validate_check_constraint`; Django: `AddConstraintNotValid` then `ValidateConstraint`.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op, Operation
from rules._operations import each_migration, each_operation, finding, later_migration, what, where

ID = "constraint-missing-not-valid"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: a CHECK constraint without NOT VALID scans the table under an exclusive lock."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'a CHECK constraint without `NOT VALID`'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0);',
        'ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0) NOT VALID;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    yield from _validated_in_the_same_transaction(cs)
    for m, ops, op in each_operation(cs, {Op.ADD_CHECK}, dialects={"postgres"}):
        if op.not_valid:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} on {where(op)} without `NOT VALID` validates every row under an ACCESS EXCLUSIVE lock.",
            "Add it `NOT VALID` (Rails: `validate: false`), then `VALIDATE CONSTRAINT` "
            + (later_migration(m) if ops.transactional else "after it: this migration runs outside a transaction, "
               "so the add commits at once and the validation lets reads and writes go on."),
        )


def _validated_in_the_same_transaction(cs: ChangeSet) -> Iterator[Finding]:
    """A ``VALIDATE CONSTRAINT`` in the transaction that added the constraint ``NOT VALID``."""
    for m, ops in each_migration(cs, {"postgres"}):
        in_transaction = ops.transactional
        added: dict[tuple[str | None, str | None], Operation] = {}  # (table, constraint) -> the NOT VALID add
        for op in ops.operations:
            if op.kind is Op.BEGIN:
                in_transaction = True
            elif op.kind is Op.COMMIT:
                in_transaction, added = False, {}
            elif op.kind in (Op.ADD_CHECK, Op.ADD_FOREIGN_KEY) and op.not_valid and in_transaction:
                added[(op.table, op.constraint)] = op
            elif op.kind is Op.VALIDATE_CONSTRAINT and in_transaction:
                add = next((a for (table, name), a in added.items() if _same(table, name, op)), None)
                if add is None:
                    continue
                yield finding(
                    ID,
                    SEVERITY,
                    m,
                    op,
                    f"The constraint added `NOT VALID` on line {add.line} is validated in the same transaction: the "
                    "add's lock is held until the commit, so the validation's scan blocks reads and writes.",
                    f"Validate it {later_migration(m)} (Or run this one outside a transaction, so the add commits "
                    "first.)",
                    suggestion=False,
                )


def _same(table: str | None, name: str | None, validate: Operation) -> bool:
    """The validation names the constraint added (by name; by table where either has no name)."""
    if name is not None and validate.constraint is not None:
        return name == validate.constraint
    return table is not None and table == validate.table
