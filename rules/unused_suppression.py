"""An inline suppression that suppresses nothing.

What goes wrong: a `migration-guard: ignore <rule>` comment left behind after the problem was
fixed (or placed on the wrong line) hides the next real problem of that rule that lands there,
and tells readers something that is no longer true.

Safe alternative: delete the comment, or move it onto the finding's line or the line above it.
"""

from __future__ import annotations

from bot.core.model import Severity

ID = "unused-suppression"
SEVERITY = Severity.NOTICE
SUMMARY = "An inline `migration-guard: ignore` comment suppresses nothing."
GROUP = "suppressions"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'an inline suppression that suppresses nothing'

EXAMPLES = {
    'sql': (
        '-- migration-guard: ignore ban-drop-column no code reads it since release 42\nALTER TABLE users ADD COLUMN age int;',
        '-- migration-guard: ignore ban-drop-column no code reads it since release 42\nALTER TABLE users DROP COLUMN name;',
    ),
}
