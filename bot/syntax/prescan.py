"""A cheap text scan for the statements that fail a check, in a migration too large (or too slow)
to analyse.

A migration past the analysis bounds is reported as not analysed (an error by default), but a
team may set that to a warning, and even as an error it must not hide *what* is in it: a
``DROP DATABASE`` or a column rename behind 20,000 harmless statements. So the text (comments
removed) is scanned with a few linear patterns for destructive statements, in SQL anywhere in the
file (a ``RunSQL``/``execute`` string is code too) and for the destructive calls of the file's own
tool (its ``Traits.prescan_calls``); each hit becomes an operation the rules judge as usual. It is
a scan, not a parse: it may name a statement inside a string, never miss one that is written
plainly. Hits are capped so a hostile file cannot turn into a million findings.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from bot.core.operations import Op, Operation
from bot.syntax.code_size import without_comments

MAX_HITS = 200  # findings one unanalysed migration may produce

_NAME = r'(?:"[^"\n]{1,128}"|`[^`\n]{1,128}`|\[[^\]\n]{1,128}\]|[\w$]{1,128})'
_QNAME = rf"{_NAME}(?:\s*\.\s*{_NAME}){{0,2}}"
_TABLE = rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_QNAME})\s+"
#: words after ``DROP`` that drop something other than a column
_NOT_COLUMN = r"(?!(?:CONSTRAINT|DEFAULT|NOT|INDEX|KEY|PRIMARY|FOREIGN|CHECK|IDENTITY|EXPRESSION|PARTITION|TRIGGER)\b)"
_SQL: tuple[tuple[re.Pattern[str], Op, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind, detail)
    for pattern, kind, detail in (
        (rf"\bDROP\s+DATABASE\s+(?:IF\s+EXISTS\s+)?(?P<table>{_NAME})", Op.DROP_DATABASE, "DROP DATABASE"),
        (rf"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?P<table>{_QNAME})", Op.DROP_TABLE, "DROP TABLE"),
        (rf"\b{_TABLE}RENAME\s+(?:COLUMN\s+)?(?!TO\b)(?P<column>{_NAME})\s+TO\s+(?P<new>{_NAME})",
         Op.RENAME_COLUMN, "RENAME COLUMN"),
        (rf"\b{_TABLE}RENAME\s+TO\s+(?P<new>{_QNAME})", Op.RENAME_TABLE, "RENAME TO"),
        (rf"\b{_TABLE}DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?{_NOT_COLUMN}(?P<column>{_NAME})",
         Op.DROP_COLUMN, "DROP COLUMN"),
        (rf"\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(?P<table>{_QNAME})(?P<cascade>[^;\n]*\bCASCADE\b)?",
         Op.DATA, "TRUNCATE"),
    )
)  # fmt: skip


def prescan(path: str, text: str, calls: Sequence[tuple[str, Op]] = ()) -> tuple[Operation, ...]:
    """Destructive statements and calls of ``text``, in order, each on its line (at most ``MAX_HITS``)."""
    code = without_comments(path, text)  # every line where it was
    starts = [0, *(m.end() for m in re.finditer("\n", code))]
    hits: list[tuple[int, Operation]] = []
    for pattern, kind, detail in _SQL:
        for match in pattern.finditer(code):
            hits.append((match.start(), _sql_operation(kind, detail, match, bisect.bisect_right(starts, match.start()))))
            if len(hits) > MAX_HITS * len(_SQL):
                break
    for name, kind in calls:
        # ``name(`` or, in Ruby, ``name :users``: a call, not a word in prose
        for match in re.finditer(rf"(?<![\w$]){re.escape(name)}(?:\s*\(|[ \t]+[:'\"\w])", code):
            line = bisect.bisect_right(starts, match.start())
            hits.append((match.start(), Operation(kind, line, end_line=line, detail=name)))
    hits.sort(key=lambda hit: hit[0])
    return tuple(op for _pos, op in hits[:MAX_HITS])


def _sql_operation(kind: Op, detail: str, match: re.Match[str], line: int) -> Operation:
    groups = match.groupdict()

    def name(group: str) -> str | None:
        value = groups.get(group)
        if value is None:
            return None
        # as ``sql_names.table_name`` normalises a parsed name: quoted parts keep their case,
        # unquoted ones are lower-cased, the default ``public`` schema is dropped
        parts = [p[1:-1] if p[:1] in '"`[' else p.lower() for p in re.split(r"\s*\.\s*", value.strip())]
        if len(parts) > 1 and parts[-2] == "public":
            parts = parts[-1:]
        return ".".join(parts)

    table = name("table") if kind is not Op.DROP_DATABASE else None
    return Operation(kind, line, table=table, column=name("column"), new_name=name("new"), end_line=line,
                     cascade=bool(groups.get("cascade")), detail=detail)  # fmt: skip

