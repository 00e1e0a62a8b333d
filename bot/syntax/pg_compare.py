"""Whether an edit of a PostgreSQL migration changes what runs, as PostgreSQL's parser reads it.

A deployed migration edited only in its formatting (keyword case, line breaks, comments, the
layout of a PL/pgSQL body) runs nothing new, and where the tool keeps no checksum it is not the
error a real edit is (lemmy re-cased `RETURN query` to `RETURN QUERY` in three deployed
functions). Two texts are the same code when their statements parse to the same trees, locations
left out, with PL/pgSQL bodies compared as PL/pgSQL trees, and their tool's comment markers
(``-- +goose Down``, ``-- migrate:up``) stand in the same places.

Untrusted text: compared only within small bounds (size and bracket depth), and anything the
parser refuses is "not the same".
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.syntax.code_size import nesting_depth

try:
    from pglast.parser import ParseError as _PgError
    from pglast.parser import parse_plpgsql_json as _parse_plpgsql
    from pglast.parser import parse_sql_json as _parse_sql
except ImportError:  # pragma: no cover - pglast is a dependency; a platform without a wheel
    _parse_sql = _parse_plpgsql = None  # type: ignore[assignment]

    class _PgError(Exception):  # type: ignore[no-redef]
        pass


#: a tool's own comment lines, which say what runs where (goose, sql-migrate, dbmate)
_MARKER = re.compile(r"^[ \t]*--[ \t]*(?:\+|migrate:).*$", re.MULTILINE)
_POSITIONS = frozenset({"location", "stmt_location", "stmt_len", "lineno"})
#: past these, no comparison is made (the edit is reported as an edit)
MAX_CHARS = 256 * 1024
MAX_DEPTH = 200


def same_statements(before: str, after: str) -> bool:
    if _parse_sql is None or not (_bounded(before) and _bounded(after)):
        return False
    parts_before, parts_after = _parts(before), _parts(after)
    if len(parts_before) != len(parts_after):
        return False
    try:
        return all(a == b for a, b in zip(map(_tree, parts_before), map(_tree, parts_after), strict=True))
    except (_PgError, ValueError, RecursionError, KeyError, TypeError):
        return False


def _bounded(text: str) -> bool:
    return len(text) <= MAX_CHARS and nesting_depth(text, MAX_DEPTH) <= MAX_DEPTH


def _parts(text: str) -> list[str]:
    """The text cut at its tool's markers, each marker kept as written (spacing aside)."""
    parts: list[str] = []
    at = 0
    for marker in _MARKER.finditer(text):
        parts.append(text[at : marker.start()])
        parts.append("\0" + " ".join(marker.group(0).split()))
        at = marker.end()
    parts.append(text[at:])
    return parts


def _tree(part: str) -> Any:
    if part.startswith("\0"):
        return part
    assert _parse_sql is not None
    encoded = part.encode()
    statements = json.loads(_parse_sql(part)).get("stmts") or []
    trees = []
    for statement in statements:
        node = statement.get("stmt", {})
        if "CreateFunctionStmt" in node and _language(node["CreateFunctionStmt"]) == "plpgsql":
            start = statement.get("stmt_location", 0)
            text = encoded[start : start + statement["stmt_len"]].decode() if "stmt_len" in statement else encoded[start:].decode()
            trees.append((_without_body(node), _plain(json.loads(_parse_plpgsql(text)))))
        else:
            trees.append(_plain(node))
    return trees


def _language(function: dict[str, Any]) -> str:
    for option in function.get("options") or []:
        element = option.get("DefElem", {})
        if element.get("defname") == "language":
            return str(element.get("arg", {}).get("String", {}).get("sval", "")).lower()
    return ""


def _without_body(node: dict[str, Any]) -> Any:
    function = dict(node["CreateFunctionStmt"])
    function["options"] = [o for o in function.get("options") or [] if o.get("DefElem", {}).get("defname") != "as"]
    return _plain({"CreateFunctionStmt": function})


def _plain(node: Any) -> Any:
    """The tree without where things are written; a PL/pgSQL query's spacing left out too."""
    if isinstance(node, dict):
        return {k: (" ".join(v.split()) if k == "query" and isinstance(v, str) else _plain(v))
                for k, v in node.items() if k not in _POSITIONS}  # fmt: skip
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node
