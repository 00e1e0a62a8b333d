"""Blobs and parse results, immutable by SHA: a warm event costs no call per historical migration.
Parse results go through the same ``ParseCache`` as the CLI's (``bot.pipeline.parse_cache``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Table,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.pipeline.parse_cache import ParseCache
from bot.store.database import Database
from bot.store.schema import blobs, parsed


class CacheStore(Database):
    """Blob contents and parse results."""

    # -- blob and parse caches (immutable by SHA) ----------------------------------------
    def get_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(shas))
        found: dict[str, bytes] = {}
        with self.engine.connect() as db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for sha, content in db.execute(select(blobs.c.sha, blobs.c.content).where(blobs.c.sha.in_(chunk))):
                    found[sha] = bytes(content)
        return found

    def put_blobs(self, items: Mapping[str, bytes]) -> None:
        self._put_immutable(blobs, "sha", "content", dict(items))

    def parse_cache(self) -> ParseCache:
        """The parse cache (``bot.pipeline.parse_cache``) with its rows in this database."""
        return ParseCache(StoreRows(self))

    def _put_immutable(self, table: Table, key: str, value: str, items: dict[str, Any]) -> None:
        """Insert content-addressed rows; a key that exists already holds the same value."""
        if not items:
            return
        dialect_insert = sqlite_insert if self.is_sqlite else postgresql_insert
        rows = [{key: k, value: v} for k, v in items.items()]
        with self._write() as db:
            for start in range(0, len(rows), 500):
                db.execute(dialect_insert(table).on_conflict_do_nothing(), rows[start : start + 500])


class StoreRows:
    """Parse cache rows in the ``parsed`` table."""

    def __init__(self, store: CacheStore) -> None:
        self.store = store

    def get(self, keys: list[str]) -> dict[str, str]:
        with self.store.engine.connect() as db:
            return {k: v for k, v in db.execute(select(parsed.c.k, parsed.c.v).where(parsed.c.k.in_(keys)))}

    def put(self, items: dict[str, str]) -> None:
        self.store._put_immutable(parsed, "k", "v", dict(items))
