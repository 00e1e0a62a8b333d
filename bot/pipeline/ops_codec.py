"""A migration's analysed operations as JSON, for the cache (``ParseCache.get_ops``/``put_ops``).

Only fields that differ from their defaults are written (most of an ``Operation``'s 30-odd fields
are defaults), and the version of the analysing code is part of every key (``analysis_version``:
a digest of the sources that compute operations), so a changed analyser never reads old rows and
nobody has to remember to bump a number.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, fields
from functools import cache
from pathlib import Path
from typing import Any

from bot.core.operations import ColumnSpec, Declaration, MigrationOps, Op, Operation

_OP_DEFAULTS = {f.name: f.default for f in fields(Operation) if f.default is not MISSING}
#: the fields JSON turns into lists, read back as tuples (found from the annotations, so a new
#: field cannot be forgotten here); ``columns`` holds records and is read back on its own
_TUPLES = {f.name for f in fields(Operation) if "tuple[" in str(f.type)} - {"columns"}


def dump_ops(ops: MigrationOps) -> str:
    return json.dumps(
        {
            "o": [_op(o) for o in ops.operations],
            "s": [_op(o) for o in ops.state_changes],
            "t": ops.transactional,
            "i": ops.implicit,
            "d": ops.dialect,
            "n": list(ops.notes),
        },
        separators=(",", ":"),
    )


def load_ops(text: str) -> MigrationOps:
    data = json.loads(text)
    return MigrationOps(
        tuple(_load_op(o) for o in data["o"]),
        transactional=data["t"],
        implicit=data["i"],
        dialect=data["d"],
        notes=tuple(data["n"]),
        state_changes=tuple(_load_op(o) for o in data["s"]),
    )


def _op(op: Operation) -> dict[str, Any]:
    """The fields that differ from their defaults, read from the record's own dictionary (one
    pass over it, not 35 ``getattr``: a cold run writes every operation of the change here)."""
    out: dict[str, Any] = {"kind": op.kind.value, "line": op.line}
    for name, value in op.__dict__.items():
        if name in _OP_DEFAULTS and value != _OP_DEFAULTS[name]:
            out[name] = [_column(c) for c in value] if name == "columns" else value
    return out


def _load_op(data: dict[str, Any]) -> Operation:
    values = dict(data)
    values["kind"] = Op(values["kind"])
    for name in _TUPLES & values.keys():
        if values[name] is not None:
            values[name] = tuple(values[name])
    if "columns" in values:
        values["columns"] = tuple(_load_column(c) for c in values["columns"])
    # the record filled as its ``__init__`` would fill it, without a frozen setattr per field: a
    # warm run reads every operation of the change from here (``Operation`` has no __post_init__)
    op = _new(Operation)
    op.__dict__.update(_OP_DEFAULTS)
    op.__dict__.update(values)
    return op


_new = object.__new__


def _column(c: ColumnSpec) -> list[Any]:
    declared = [c.declared.cls, [list(kv) for kv in c.declared.kwargs]] if c.declared else None
    return [c.name, list(c.type) if c.type is not None else None, c.line, c.sql, c.bounded, declared, c.not_null]


def _load_column(data: list[Any]) -> ColumnSpec:
    name, kind, line, sql, bounded, declared, not_null = data
    return ColumnSpec(
        name,
        tuple(kind) if kind is not None else None,
        line,
        sql,
        bounded,
        Declaration(declared[0], tuple((k, v) for k, v in declared[1])) if declared else None,
        not_null,
    )


#: the sources whose code decides a migration's operations
_ANALYSERS = ("bot/frameworks", "bot/syntax", "bot/core/operations.py", "bot/core/column_types.py",
              "bot/pipeline/ops_codec.py")  # fmt: skip


@cache
def analysis_version() -> str:
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for name in _ANALYSERS:
        path = root / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
