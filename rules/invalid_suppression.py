"""An inline suppression that cannot be honoured.

What goes wrong: a suppression must name a known rule and give a reason
(`-- migration-guard: ignore missing-rollback data is re-imported nightly`). One without a
rule, with a misspelt rule, or without a reason suppresses nothing, so the finding it was
meant to silence still fails the check, and the next reader cannot tell why it was there.

Safe alternative: write `migration-guard: ignore <rule-id> <why this is safe>` on the finding's
line or the line above it (`migration-guard rules` lists the ids).
"""

from __future__ import annotations

from bot.core.model import Severity

ID = "invalid-suppression"
SEVERITY = Severity.WARNING
SUMMARY = "An inline suppression names no known rule or gives no reason."
GROUP = "suppressions"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'an inline suppression without a known rule id or a reason'

EXAMPLES = {
    'sql': (
        '-- migration-guard: ignore ban-drop-column\nALTER TABLE users DROP COLUMN name;',
        '-- migration-guard: ignore ban-drop-column no code reads it since release 42\nALTER TABLE users DROP COLUMN name;',
    ),
}
