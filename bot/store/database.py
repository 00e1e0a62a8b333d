"""The connection to the service's database: SQLite (one process) or PostgreSQL (replicas), and
its schema brought to the newest revision at start-up (``bot/store/migrations``)."""

from __future__ import annotations

import ast
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

SCHEMA_LOCK_KEY = 0x6D67_7363  # "mgsc": the advisory lock that serialises schema creation


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (the driver we ship), not SQLAlchemy's psycopg2 default."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: the revision that describes the tables earlier releases made with ``create_all``
FIRST_REVISION = "0001"


#: CPython 3.11's ``ast`` keeps its recursion depth in interpreter state shared by threads: replicas
#: started as threads of one process (the tests, a threaded server) raised ``SystemError: AST
#: constructor recursion depth mismatch`` parsing together. One parse per process, under a lock.
_NEWEST_LOCK = threading.Lock()
_NEWEST: list[str | None] = []


def newest_revision() -> str | None:
    """The head of ``migrations/versions``, read from the files' ``revision``/``down_revision``
    assignments (a test keeps it equal to Alembic's): the revision no other one revises. Read once
    per process (the files ship with the code)."""
    with _NEWEST_LOCK:
        if not _NEWEST:
            _NEWEST.append(_read_newest_revision())
        return _NEWEST[0]


def _read_newest_revision() -> str | None:
    revisions, revised = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = ast.literal_eval(node.value) if isinstance(node.value, ast.Constant | ast.Tuple) else None
                names = [value] if isinstance(value, str) else list(value) if isinstance(value, tuple) else []
                if node.targets[0].id == "revision":
                    revisions.update(names)
                elif node.targets[0].id == "down_revision":
                    revised.update(names)
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def _at_newest(db: Connection) -> bool:
    """One SELECT: is the database at the newest revision already (every start but the first)?
    Then Alembic is not even imported (it costs a start-up a good part of a second)."""
    newest = newest_revision()
    if newest is None or not inspect(db).has_table("alembic_version"):  # a new or pre-migration database
        return False
    return db.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [newest]


def alembic_config(db: Connection) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig  # lazy: only when the schema needs migrating

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = db
    return config


#: Alembic keeps the running migration environment in module globals: one run per process at a time
_ALEMBIC = threading.Lock()


def upgrade(db: Connection) -> None:
    """Run the store's migrations up to the newest on ``db`` (in its transaction). A database made
    before the store had migrations (its tables, no ``alembic_version``) is stamped first."""
    if _at_newest(db):
        return
    from alembic import command  # lazy: only when the schema needs migrating (see _at_newest)

    with _ALEMBIC:
        config = alembic_config(db)
        tables = set(inspect(db).get_table_names())
        if "alembic_version" not in tables and "jobs" in tables:
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, "head")


class Database:
    """The engine and the write transaction every concern of the store shares."""

    def __init__(self, url: str, checkpoints: bool = True) -> None:
        """``checkpoints=False`` (SQLite, the webhook process): never pay for a WAL checkpoint while
        GitHub waits for an answer; the worker processes' commits checkpoint instead."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._write_lock = threading.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            self.engine: Engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_pragmas)
            if not checkpoints:
                event.listen(self.engine, "connect", _no_autocheckpoint)
        else:
            self.engine = create_engine(sqlalchemy_url(url), pool_pre_ping=True, pool_size=5, max_overflow=5)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction. SQLite allows one writer: threads of this process queue on a lock
        instead of spinning in SQLite's busy handler (which sleeps in coarse steps)."""
        if self._write_lock is None:
            with self.engine.begin() as db:
                yield db
            return
        with self._write_lock, self.engine.begin() as db:
            yield db

    def create_schema(self) -> None:
        """Bring the schema to the newest revision of ``bot/store/migrations`` (Alembic), so a new
        column reaches a database an earlier release created. On PostgreSQL under an advisory
        lock, so replicas starting together migrate once; on SQLite, a process that loses the race
        retries and finds the work done."""
        if self.is_sqlite:
            for attempt in range(5):
                try:
                    with self._write() as db:
                        upgrade(db)
                    return
                except (OperationalError, IntegrityError) as exc:  # another process migrated meanwhile
                    raced = isinstance(exc, IntegrityError) or "already exists" in str(exc) or "locked" in str(exc)
                    if not raced or attempt == 4:
                        raise
                    time.sleep(0.1)
        with self.engine.begin() as db:
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            upgrade(db)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as db:
                db.execute(select(1))
            return True
        except Exception:
            return False


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for _ in range(50):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the webhook's writes
            break
        except sqlite3.OperationalError:  # another process is switching it at this moment
            time.sleep(0.05)
    # WAL + NORMAL: a committed job survives any crash of the service (the 202 promise); only a
    # power loss of the machine may lose the last commits. PostgreSQL for more.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
