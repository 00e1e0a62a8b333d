"""PostgreSQL: a CHECK constraint added to an existing table without `NOT VALID`.

Lock: adding the constraint validates every existing row while holding an ACCESS EXCLUSIVE lock:
reads and writes wait for the full scan.

Safe alternative: add it `NOT VALID` (checks new rows only, instant), then in a later migration
`ALTER TABLE ... VALIDATE CONSTRAINT`, which scans under a SHARE UPDATE EXCLUSIVE lock that lets
reads and writes continue. Rails: `add_check_constraint ..., validate: false` then
`validate_check_constraint`; Django: `AddConstraintNotValid` then `ValidateConstraint`.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, what, where

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
            + ("in a later migration." if ops.transactional else "after it: this migration runs outside a transaction, "
               "so the add commits at once and the validation lets reads and writes go on."),
        )
