"""A migration Migration Guard did not analyse: past a bound, the parser failed, or the time guard.

What goes wrong: every zero-downtime rule judges what a migration does; a migration that was not
analysed was judged by none of them, so a required check that passed it would pass anything.
Padding a migration with harmless statements (or nesting it deep enough) must not be a way
around the check: the migration fails it until someone looks. What a cheap text scan finds in it
(`DROP DATABASE`, `DROP TABLE`, `DROP COLUMN`, renames, `TRUNCATE`, and the tool's own
destructive calls such as Django's `RenameField`) is still reported under its own rule.

The bounds count work, not time: bytes of code (comments and whitespace not counted,
`limits.max_bytes`, 1,000,000) and bracket nesting (`limits.max_depth`, 200), so the same
migration gets the same answer on an idle and a loaded machine. The time guard
(`limits.seconds`, 120 s; the App's review guard, 600 s) only stops a parser that hangs.

Safe alternative: split the migration into smaller ones (a large data load belongs in a script
or a `COPY`, not in a migration). If it is safe as it is, raise `limits.max_bytes` in
`.github/migration-guard.yml` on the base branch, make this a warning there with
`not_analysed: warning`, or suppress it on the first line with a reason
(`-- migration-guard: ignore migration-not-analysed <reason>`).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from bot.syntax.prescan import MAX_HITS
from rules._operations import each_operation, finding

ID = "migration-not-analysed"
SEVERITY = Severity.ERROR
#: teams set its severity with a key of its own (``not_analysed: warning``)
SEVERITY_KEY = "not_analysed"
SUMMARY = "A migration was not analysed (past a bound, or the parser failed): nothing in it was checked."
GROUP = "hygiene"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = ("a migration past the analysis bounds (bytes of code, nesting) or one the parser failed on: an error "
           "by default (`not_analysed:`), with what a text scan finds in it")  # fmt: skip

DEEP = "SELECT " + "(" * 201 + "1" + ")" * 201 + ";"
EXAMPLES = {
    'sql': (
        DEEP,
        'SELECT (((1)));',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, ops, op in each_operation(cs, {Op.NOT_ANALYSED}, existing_tables_only=False):
        scanned = [o for o in ops.operations if o is not op]
        if len(scanned) >= MAX_HITS:
            found = f" A text scan found at least {MAX_HITS} destructive statements in it; the first {MAX_HITS} are reported."
        elif scanned:
            found = (f" A text scan found {len(scanned)} destructive statement{'s' if len(scanned) != 1 else ''} in it, "
                     "reported on their lines.")  # fmt: skip
        else:
            found = ""
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"This migration was not analysed ({op.detail}): no rule checked its locks or compatibility.{found}",
            "Split it into smaller migrations. If it is safe as it is, raise `limits.max_bytes`, or set "
            "`not_analysed: warning` in `.github/migration-guard.yml` on the base branch, or suppress it with "
            "`migration-guard: ignore migration-not-analysed <reason>` on its first line.",
            suggestion=False,
        )
