"""Small facts about a statement's text that both SQL readers (sqlglot's and PostgreSQL's own)
state the same way: the one-line rewrites a suggestion offers, and a name written twice."""

from __future__ import annotations

import re
from collections.abc import Sequence


def insert_after(line: str, pattern: str, addition: str) -> str | None:
    """``line`` with ``addition`` after the single match of ``pattern`` (case-insensitive)."""
    matches = list(re.finditer(pattern, line, re.IGNORECASE))
    if len(matches) != 1:
        return None
    end = matches[0].end()
    return line[:end] + addition + line[end:]


def concurrently_added(source_line: str | None) -> str | None:
    """A one-line ``CREATE INDEX`` or ``DROP INDEX`` with ``CONCURRENTLY`` after ``INDEX``."""
    return insert_after(source_line, r"\bINDEX\b", " CONCURRENTLY") if source_line is not None else None


def not_valid_added(source_line: str | None) -> str | None:
    """A one-line ``ALTER TABLE ... ADD CONSTRAINT ...;`` with ``NOT VALID`` before its semicolon."""
    if source_line is None or not source_line.rstrip().endswith(";"):
        return None
    return source_line.rstrip()[:-1].rstrip() + " NOT VALID;"


def first_repeated(names: Sequence[str]) -> str | None:
    """The first name that comes a second time."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None
