"""Lexical helpers for SQL migration text: comments and emptiness.

This is not a SQL parser (sqlglot does that where statements matter); it only tells comments
from code, honouring quoted strings, quoted identifiers, dollar quotes and block comments, so
that ``'-- not a comment'`` stays code and a down section holding only comments counts as empty.
"""

from __future__ import annotations

from collections.abc import Iterator


def iter_comments(sql: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line, text)`` for every comment; line is 1-based, text excludes the markers."""
    i, n, line = 0, len(sql), 1
    while i < n:
        ch = sql[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            yield line, sql[i + 2 : end]
            i = end
        elif ch == "#" and _hash_comment_allowed(sql, i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            yield line, sql[i + 1 : end]
            i = end
        elif ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end
            body = sql[i + 2 : end]
            yield line, body
            line += body.count("\n")
            i = end + 2
        elif ch in "'\"`":
            end = _end_of_quoted(sql, i, ch)
            line += sql.count("\n", i, end)
            i = end
        elif ch == "$":
            tag_end = sql.find("$", i + 1)
            tag = sql[i : tag_end + 1] if tag_end != -1 else ""
            if tag and (tag == "$$" or tag[1:-1].replace("_", "a").isalnum()):
                end = sql.find(tag, tag_end + 1)
                end = n if end == -1 else end + len(tag)
                line += sql.count("\n", i, end)
                i = end
            else:
                i += 1
        else:
            i += 1


def strip_comments(sql: str) -> str:
    """The SQL with comments removed (strings kept)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end == -1 else end
        elif ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end == -1 else end + 2
            out.append(" ")
        elif ch in "'\"`":
            end = _end_of_quoted(sql, i, ch)
            out.append(sql[i:end])
            i = end
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def is_blank_sql(sql: str) -> bool:
    """True when the text holds nothing but whitespace, comments and semicolons."""
    return not strip_comments(sql).replace(";", "").strip()


def _end_of_quoted(sql: str, start: int, quote: str) -> int:
    i = start + 1
    n = len(sql)
    while i < n:
        if sql[i] == quote:
            if i + 1 < n and sql[i + 1] == quote:  # doubled quote escapes itself
                i += 2
                continue
            return i + 1
        if sql[i] == "\\" and quote != '"':
            i += 2
            continue
        i += 1
    return n


def _hash_comment_allowed(sql: str, i: int) -> bool:
    """``#`` starts a comment only at the start of a line (MySQL style); elsewhere it is an operator."""
    j = sql.rfind("\n", 0, i)
    return not sql[j + 1 : i].strip()
