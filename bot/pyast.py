"""Reading Python migration files with ``ast``: never executed, never imported.

Nothing from the analysed project needs to be installed; only literal values are read, and a
value that is not a literal is reported rather than guessed.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

from bot.textfile import UnreadableFile


def parse_module(text: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not our business
            return ast.parse(text)
    except SyntaxError as exc:
        raise UnreadableFile(f"Python syntax error: {exc.msg}", exc.lineno) from None
    except ValueError as exc:  # e.g. source code string cannot contain null bytes
        raise UnreadableFile(f"Python source cannot be parsed: {exc}") from None


@dataclass(frozen=True)
class Assignment:
    name: str
    value: ast.expr
    line: int


def assignments(body: list[ast.stmt]) -> dict[str, Assignment]:
    """Simple ``name = value`` and ``name: T = value`` statements of a block (the last one wins)."""
    found: dict[str, Assignment] = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = Assignment(target.id, stmt.value, stmt.lineno)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            found[stmt.target.id] = Assignment(stmt.target.id, stmt.value, stmt.lineno)
    return found


class NotALiteral(Exception):
    pass


def literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise NotALiteral(ast.unparse(node)) from None


def string_tuple(value: object) -> tuple[str, ...] | None:
    """``None`` -> ``()``; ``"a"`` -> ``("a",)``; a list/tuple/set of strings -> tuple; else None."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple | set | frozenset) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def functions(body: list[ast.stmt]) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {s.name: s for s in body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}


def does_nothing(body: list[ast.stmt]) -> bool:
    """A body of only ``pass``, ``...`` and string constants (docstrings); comments are not in the tree."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        return False
    return True


def first_raise(body: list[ast.stmt]) -> ast.Raise | None:
    for stmt in body:
        if isinstance(stmt, ast.Raise):
            return stmt
    return None


def call_name(call: ast.Call) -> str | None:
    """``migrations.RunPython(...)`` and ``RunPython(...)`` both give ``"RunPython"``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return None


def is_none(node: ast.expr | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)
