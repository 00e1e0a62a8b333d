"""Parse results cached by blob SHA, so a re-run never re-reads or re-parses history.

A blob's content never changes, so the parser version, the candidate (framework, path,
namespace, strictness) and the blob SHA make a permanent key. One ``ParseCache`` does the keying,
the encoding and the error handling for both front ends; only where the rows live differs: the
CLI keeps them in a SQLite file inside the repository's git directory (``SqliteRows``), the App
in its database (``bot.store.cache``). A broken or unwritable cache only costs speed: it is never
an error.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from pathlib import Path
from typing import Protocol, TypeVar

from bot.core.model import Migration, ParseFailure, Role, RollbackIssue, RollbackProblem
from bot.core.operations import MigrationOps
from bot.pipeline.ops_codec import analysis_version, dump_ops, load_ops

#: bump when an adapter's output changes, so old entries are not reused
PARSER_VERSION = "2"  # bump whenever what a parser returns changes

CacheKey = tuple[str, str, str, bool, str]  # framework, path, namespace, strict, blob sha
CachedResult = Migration | ParseFailure | None


class Rows(Protocol):
    """Where cache rows live: text keys to text values, written once (content-addressed)."""

    def get(self, keys: list[str]) -> dict[str, str]: ...

    def put(self, items: dict[str, str]) -> None: ...


class ParseCache:
    """Parse results by permanent key, over any ``Rows``; a failing backend is switched off."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self._ok = True

    def get_many(self, keys: Iterable[CacheKey]) -> dict[CacheKey, CachedResult]:
        return self._get(keys, key_text, load_result)

    def put_many(self, items: Mapping[CacheKey, CachedResult]) -> None:
        self._put(items, key_text, dump_result)

    def get_ops(self, keys: Iterable[OpsKey]) -> dict[OpsKey, MigrationOps]:
        """Analysed operations by (framework, path, dialect, blob sha), under the analysers' version."""
        return self._get(keys, ops_key_text, load_ops)

    def put_ops(self, items: Mapping[OpsKey, MigrationOps]) -> None:
        self._put(items, ops_key_text, dump_ops)

    def get_text(self, key: str) -> str | None:
        """One row by its whole key (``bot.pipeline.result_cache`` makes the key and the text)."""
        return self._get([key], str, str).get(key)

    def put_text(self, key: str, text: str) -> None:
        self._put({key: text}, str, str)

    def _get(self, keys: Iterable[K], text_of: Callable[[K], str], load: Callable[[str], V]) -> dict[K, V]:
        wanted = {text_of(k): k for k in keys}
        if not self._ok or not wanted:
            return {}
        found: dict[K, V] = {}
        try:
            names = list(wanted)
            for start in range(0, len(names), 500):
                for k, v in self.rows.get(names[start : start + 500]).items():
                    found[wanted[k]] = load(v)
        except Exception:
            self._ok = False
        return found

    def _put(self, items: Mapping[K, V], text_of: Callable[[K], str], dump: Callable[[V], str]) -> None:
        if not self._ok or not items:
            return
        try:
            self.rows.put({text_of(k): dump(v) for k, v in items.items()})
        except Exception:
            self._ok = False


K = TypeVar("K")
V = TypeVar("V")
OpsKey = tuple[str, str, str, str]  # framework, path, dialect, blob sha


def ops_key_text(key: OpsKey) -> str:
    framework, path, dialect, sha = key
    return f"ops|{analysis_version()}|{framework}|{dialect}|{sha}|{path}"


def key_text(key: CacheKey) -> str:
    """The cache key as one string (the parser version first, so a new parser misses old rows)."""
    framework, path, namespace, strict, sha = key
    return f"{PARSER_VERSION}|{framework}|{sha}|{int(strict)}|{namespace}|{path}"


def dump_result(result: CachedResult) -> str:
    if result is None:
        return "null"
    if isinstance(result, ParseFailure):
        return json.dumps({"failure": [result.framework, result.path, result.blob_sha, result.line, result.message]})
    return json.dumps(
        {
            "m": [
                result.framework,
                result.path,
                result.blob_sha,
                result.key,
                result.name,
                result.namespace,
                result.role.value,
                list(result.order) if result.order is not None else None,
                list(result.parents),
                result.key_line,
                result.parents_line,
                list(result.branch_labels),
                list(result.replaces),
                [[r.problem.value, r.line, r.detail, r.path, r.help, list(r.only_on)] for r in result.rollback],
            ]
        }
    )


def load_result(text: str) -> CachedResult:
    data = json.loads(text)
    if data is None:
        return None
    if "failure" in data:
        framework, path, sha, line, message = data["failure"]
        return ParseFailure(framework, path, sha, line, message)
    (fw, path, sha, key, name, ns, role, order, parents, key_line, parents_line, labels, replaces, rollback) = data["m"]
    return Migration(
        framework=fw,
        path=path,
        blob_sha=sha,
        key=key,
        name=name,
        namespace=ns,
        role=Role(role),
        order=tuple(order) if order is not None else None,
        parents=tuple(parents),
        key_line=key_line,
        parents_line=parents_line,
        branch_labels=tuple(labels),
        replaces=tuple(replaces),
        rollback=tuple(
            RollbackIssue(RollbackProblem(p), line, d, rp, h, tuple(on)) for p, line, d, rp, h, on in rollback
        ),
    )


class SqliteRows:
    """Rows in a single SQLite file; safe to share between concurrent CLI runs (SQLite locking)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS parsed (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=5)

    def get(self, keys: list[str]) -> dict[str, str]:
        with closing(self._connect()) as db:
            rows = db.execute(f"SELECT k, v FROM parsed WHERE k IN ({','.join('?' * len(keys))})", keys)
            return dict(rows)

    def put(self, items: dict[str, str]) -> None:
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR IGNORE INTO parsed (k, v) VALUES (?, ?)", list(items.items()))


def file_cache(path: Path) -> ParseCache | None:
    """The CLI's cache in ``path``; ``None`` (no cache, same results) when the file cannot be made."""
    try:
        return ParseCache(SqliteRows(path))
    except (OSError, sqlite3.Error):
        return None
