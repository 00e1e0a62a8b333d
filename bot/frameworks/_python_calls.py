"""Helpers the Alembic and Django front ends share: literal strings and names in calls, embedded SQL, one-line suggestions."""

from __future__ import annotations

import ast

from bot.core.operations import Operation
from bot.syntax.embedded_sql import analyse_sql
from bot.syntax.pyast import (
    NotALiteral,
    call_name,
    literal,
)


def literal_string(node: ast.expr | None) -> str | None:
    """A literal string, also through ``sa.text("...")`` / ``text("...")``."""
    if node is None:
        return None
    if isinstance(node, ast.Call) and call_name(node) == "text" and node.args:
        node = node.args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def literal_name(node: ast.expr | None) -> str | None:
    value = literal_string(node)
    return value.lower() if value is not None else None


def truthy(node: ast.expr | None) -> bool:
    try:
        return bool(literal(node)) if node is not None else False
    except NotALiteral:
        return True


def embedded_sql(text: str, node: ast.expr, dialect: str, lines: list[str], outside: bool = False) -> list[Operation]:
    ops = analyse_sql(text, dialect, first_line=node.lineno, host_lines=lines)
    return [marked_outside(o, outside) for o in ops] if outside else ops


def marked_outside(op: Operation, outside: bool) -> Operation:
    from dataclasses import replace

    return replace(op, outside_transaction=outside)


def single_line_suggestion(lines: list[str], call: ast.Call, addition: str) -> str | None:
    """The call's line with ``addition`` before its closing parenthesis, when the call is one line."""
    if call.lineno != call.end_lineno or call.end_col_offset is None:
        return None
    line = lines[call.lineno - 1]
    end = call.end_col_offset - 1
    if line[end : end + 1] != ")":
        return None
    return line[:end] + addition + line[end:]
