"""A `char(n)` / `character(n)` / `bpchar` column.

What goes wrong: `char(n)` pads every value with spaces to `n`, compares ignoring them, and is no
faster than `text` in PostgreSQL; it is almost always meant as `varchar` or `text`, and the padding
leaks into application code. squawk: `ban-char-field`. Off by default (a choice of taste).

Safe alternative: `text` (or `varchar(n)` where a limit is wanted).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from rules._types import type_findings, words

ID = "ban-char-field"
SEVERITY = Severity.NOTICE
ON_BY_DEFAULT = False
SUMMARY = "A char(n) column: blank-padded, almost always meant as text or varchar."
GROUP = "style"
CATCHES = "`char`/`character`/`bpchar` columns (arrays too); the one-byte `\"char\"` is not one"
APPLIES_TO = ("sql", "laravel", "sequelize")

EXAMPLES = {
    "sql": ("CREATE TABLE codes (code char(2) NOT NULL);", "CREATE TABLE codes (code varchar(2) NOT NULL);"),
}

_WORDS = words({"char": "varchar", "character": "varchar", "bpchar": "text"})


def check(cs: ChangeSet) -> Iterator[Finding]:
    return type_findings(
        cs, ID, SEVERITY, lambda t: t[0] in ("char", "bpchar"),
        lambda c: f"`{c.name}` is a blank-padded `char`: values are padded with spaces, which is almost never meant.",
        "Use `text`, or `varchar(n)` where a limit is wanted.", _WORDS,
    )  # fmt: skip
