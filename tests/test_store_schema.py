"""The store's own schema is managed by Alembic migrations shipped in the package
(``bot/store/migrations``): applied at start-up, equal to what the code queries, and reviewed by
Migration Guard itself."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, select, text

from bot.store import JobSpec, Store, sqlalchemy_url
from bot.store.database import FIRST_REVISION, MIGRATIONS, alembic_config, newest_revision
from bot.store.schema import deliveries, metadata
from tests.gitrepo_factory import Repo
from tests.test_store import store_url  # noqa: F401 (fixture: SQLite and PostgreSQL)


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def test_a_new_database_gets_every_migration_and_matches_the_code(store_url: str) -> None:  # noqa: F811
    store = Store(store_url)
    store.create_schema()
    with store.engine.connect() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head_revision()
        # what the migrations built is what bot/store/schema.py queries: no table, column or index differs
        assert compare_metadata(MigrationContext.configure(db), metadata) == []
    store.create_schema()  # a second start changes nothing (one SELECT: Alembic is not loaded)
    assert newest_revision() == _head_revision()  # what that SELECT compares with is Alembic's head
    store.record_delivery("d-1", "push", JobSpec("review", "k", {}))
    store.engine.dispose()


def test_a_database_from_before_migrations_is_stamped_and_keeps_its_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = create_engine(sqlalchemy_url(url))
    # what earlier releases made at start-up (create_all): the tables of revision 0001, no alembic_version
    with old.begin() as db:
        command.upgrade(alembic_config(db), FIRST_REVISION)
        db.execute(text("DROP TABLE alembic_version"))
    with old.begin() as db:
        db.execute(insert(deliveries).values(id="kept", event="push", received_at=time.time()))
    old.dispose()

    store = Store(url)
    store.create_schema()
    with store.engine.connect() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head_revision()
        assert db.execute(select(deliveries.c.id)).scalars().all() == ["kept"]
        assert "jobs" in inspect(db).get_table_names()
    store.engine.dispose()


def test_migration_guard_reviews_its_own_store_migrations(repo: Repo) -> None:
    """Eat our own cooking: the store's migrations, added to a repository, pass Migration Guard's
    own review with no error and no warning."""
    repo.write("README.md", "x").commit().branch("feature")
    target = repo.root / "service" / "migrations"
    shutil.copytree(MIGRATIONS, target, ignore=shutil.ignore_patterns("__pycache__"))
    repo.commit()
    outcome = repo.check("--base", "main", "--format", "json")
    checked = outcome.json["summary"]["checked"]
    assert any(c["framework"] == "alembic" for c in checked), checked
    assert [(f["rule"], f["severity"]) for f in outcome.json["findings"] if f["severity"] != "notice"] == []
    assert outcome.code == 0
