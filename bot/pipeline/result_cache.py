"""A change's findings cached by everything that decides them, so a change seen before is not
judged again (the CLI's re-run, a pre-commit hook on the same staged files, the App's re-requested
check run, a `/migrations recheck` with nothing new).

The key is a digest of the code that judges (every source file of ``bot/`` and ``rules/``: a
changed rule never reads an old answer, and nobody has to remember to bump a number) and of the
whole ``ChangeSet`` before analysis, configuration included, walked field by field
(``_Digest``): no field can be forgotten here, a new one is in the key the day it is added. Sets
are walked sorted, so the key does not depend on the process's hash seed.

A run in which any migration was not (fully) analysed is not remembered: a crash or a time guard
may not happen next time. The rows live where the parse cache's do (``ParseCache``: the CLI's
SQLite file, the App's database), written once under a content key.
"""

from __future__ import annotations

import enum
import hashlib
import json
import pickle
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bot.core.model import ChangeSet, Finding, Severity
from bot.pipeline.suppressions import Suppression

#: the sources whose code decides a change's findings
_JUDGES = ("bot", "rules")


@cache
def judgement_version() -> str:
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for name in _JUDGES:
        for file in sorted((root / name).rglob("*.py")):
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def change_key(cs: ChangeSet) -> str | None:
    """The cache key of ``cs`` (before analysis) judged by this code; ``None`` (not cached) when it
    holds a value that cannot be keyed the same way twice (tests hold the CLI's and the App's
    change sets to a key)."""
    digest = _Digest()
    try:
        digest.walk(cs)
    except TypeError:
        return None
    return f"result|{judgement_version()}|{digest.hexdigest()}"


class _Digest:
    """A SHA-256 of a value's whole structure: dataclasses by their fields, pydantic models by
    their JSON, mappings and sets in sorted order, each value tagged with its type."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._parts: list[str] = []

    def hexdigest(self) -> str:
        self._flush()
        return self._sha.hexdigest()

    def _flush(self) -> None:
        self._sha.update("\x1f".join(self._parts).encode("utf-8", "surrogatepass"))
        self._parts.clear()

    def walk(self, value: Any) -> None:
        parts = self._parts
        if value is None or isinstance(value, bool | int | float):
            parts.append(repr(value))
        elif isinstance(value, str):
            parts.append(f"s{len(value)}:{value}")
            if len(parts) > 4096:
                self._flush()
        elif isinstance(value, enum.Enum):
            parts.append(f"e{type(value).__name__}.{value.name}")
        elif is_dataclass(value) and not isinstance(value, type):
            if _plain(type(value)):
                parts.append(repr(value))
                return
            parts.append(f"d{type(value).__name__}(")
            for f in fields(value):
                self.walk(getattr(value, f.name))
            parts.append(")")
        elif isinstance(value, BaseModel):
            parts.append(f"m{type(value).__name__}:{value.model_dump_json()}")
        elif isinstance(value, Mapping):
            parts.append("{")
            for k in sorted(value, key=repr):
                self.walk(k)
                self.walk(value[k])
            parts.append("}")
        elif isinstance(value, set | frozenset):
            parts.append("<")
            for item in sorted(value, key=repr):
                self.walk(item)
            parts.append(">")
        elif isinstance(value, tuple | list) and value and _plain_records(value):
            # a tree's thousands of migrations: pickled at once (C speed), as exact as their repr
            self._flush()
            self._sha.update(pickle.dumps(value, protocol=5))
        elif isinstance(value, tuple | list):
            parts.append("[")
            for item in value:
                self.walk(item)
            parts.append("]")
        else:  # anything else might make a key that is never the same twice, or the same for two values
            raise TypeError(f"cannot key a {type(value).__name__}")


def _plain_records(values: tuple[Any, ...] | list[Any]) -> bool:
    kind: type = type(values[0])
    return is_dataclass(kind) and _plain(kind) and all(type(v) is kind for v in values)


@cache
def _plain(cls: type) -> bool:
    """The record's ``repr`` (and its pickle) says all of it, the same way in every process:
    every field is in it, and none can hold a set, a mapping or a model (whose order ``repr`` and
    ``pickle`` do not fix). Thousands of migrations per change are keyed this way (walking each field by field
    cost 0.2 s on 2,000 files)."""
    unsure = ("set", "dict", "Mapping", "Config", "Schema", "Any", "object")
    return all(f.repr and not any(word in str(f.type) for word in unsure) for f in fields(cls))


def dump_result(findings: tuple[Finding, ...], suppressed: tuple[tuple[Finding, Suppression], ...]) -> str:
    return json.dumps(
        {"f": [_finding(f) for f in findings],
         "s": [[_finding(f), [s.path, s.line, s.rule, s.reason]] for f, s in suppressed]},
        separators=(",", ":"),
    )  # fmt: skip


def load_result(text: str) -> tuple[tuple[Finding, ...], tuple[tuple[Finding, Suppression], ...]]:
    data = json.loads(text)
    return (
        tuple(_load_finding(f) for f in data["f"]),
        tuple((_load_finding(f), Suppression(*s)) for f, s in data["s"]),
    )


def _finding(f: Finding) -> list[Any]:
    """Every field, in order (a new one is written the day it is added); tuples become lists."""
    values = list(_every_field(f))
    values[_SEVERITY] = f.severity.value
    return values


_FINDING_FIELDS = tuple(f.name for f in fields(Finding))
_every_field = attrgetter(*_FINDING_FIELDS)
_SEVERITY = _FINDING_FIELDS.index("severity")


def _load_finding(data: list[Any]) -> Finding:
    """The record filled as its ``__init__`` would, without a frozen setattr per field: a warm
    run of a large change reads tens of thousands."""
    values = dict(zip(_FINDING_FIELDS, data, strict=True))
    values["severity"] = Severity(values["severity"])
    if values["suggestion_lines"] is not None:
        values["suggestion_lines"] = tuple(values["suggestion_lines"])
    finding = _new(Finding)
    finding.__dict__.update(values)
    return finding


_new = object.__new__
