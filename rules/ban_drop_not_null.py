"""A column's `NOT NULL` dropped.

What goes wrong: once the column may be NULL, new code can write NULLs that old code still running
during the deploy, reports and other clients do not expect (a `None` where a value was promised).
It is also the usual first step of removing a column safely, which is why this is a notice, not a
warning. squawk: `ban-drop-not-null` (a warning there).

Safe alternative: make sure every reader handles NULL before the constraint goes; if this is the
expand step of removing the column, ship the code that stops reading it in the same release.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import column, each_operation, finding, where

ID = "ban-drop-not-null"
SEVERITY = Severity.NOTICE
SUMMARY = "A column's NOT NULL is dropped: readers that assume a value may meet NULL."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = '`DROP NOT NULL` on an existing column: readers that assume a value may meet NULL'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
        'ALTER TABLE users ALTER COLUMN email SET DEFAULT \'\';',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.DROP_NOT_NULL}):
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{column(op, 'The column')} of {where(op)} may be NULL from now on: code still running from the "
            "previous release, and other clients, may not expect it.",
            "Check that every reader handles NULL first; if this starts removing the column, ship the code that "
            "stops reading it in the same release.",
        )
