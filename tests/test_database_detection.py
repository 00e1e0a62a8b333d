"""The database each migration directory runs on, read from the repository
(``Framework.database``, ``bot.frameworks._database_files``): PostgreSQL-only advice is never given
to a SQLite or MySQL application, the configuration's ``dialect`` overrides, and the summary says
what each directory was judged as and why. In memory."""

from __future__ import annotations

import pytest

from bot.core.model import DatabaseSource
from bot.frameworks import BY_NAME
from bot.frameworks._database_files import RepoFiles, dialect_of_word
from bot.pipeline.configuration import read_config
from bot.pipeline.coverage import coverage_of
from bot.pipeline.engine import run
from tests.in_memory import changeset, found


def files(texts: dict[str, str]) -> RepoFiles:
    return RepoFiles(texts.keys(), texts.get)


@pytest.mark.parametrize(("word", "dialect"), [
    ("postgresql", "postgres"), ("postgis", "postgres"), ("mysql2", "mysql"), ("trilogy", "mysql"), ("sqlite3", "sqlite"),
    ("better-sqlite3", "sqlite"), ("django.db.backends.postgresql", "postgres"), ("django.contrib.gis.db.backends.postgis", "postgres"),
    ("django.db.backends.sqlite3", "sqlite"), ("postgresql+psycopg://u@h/db", "postgres"), ("jdbc:mysql://h/db", "mysql"),
    ("pg", "postgres"), ("mssql", "tsql"), ("", None), ("<%= ENV['DB'] %>", None), ("redis", None),
])  # fmt: skip
def test_the_words_a_database_goes_by(word: str, dialect: str | None) -> None:
    assert dialect_of_word(word) == dialect


DATABASE_YML = """default: &default
  adapter: {adapter}
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") {{ 5 }} %>

development:
  <<: *default
  database: db/development.sqlite3

production:
  <<: *default
"""


@pytest.mark.parametrize(("adapter", "expected"), [
    ("sqlite3", "sqlite"), ("postgresql", "postgres"), ("mysql2", "mysql"),
    ('<%= ENV.fetch("DB_ADAPTER") { "postgresql" } %>', "postgres"),  # the default written in the ERB
    ("<%= ENV['DB_ADAPTER'] %>", None),  # read at run time only: not told
])  # fmt: skip
def test_rails_reads_config_database_yml(adapter: str, expected: str | None) -> None:
    got = BY_NAME["rails"].database(".:primary", files({"config/database.yml": DATABASE_YML.format(adapter=adapter)}))
    assert got == (DatabaseSource(expected, "config/database.yml") if expected else None)


def test_rails_multiple_databases_each_get_their_own() -> None:
    """Through the change set, as a user sees it: db/migrate is the primary database, db/cache_migrate
    the `cache` one; an application in a subdirectory reads its own config/database.yml."""
    yml = ("production:\n  primary:\n    adapter: postgresql\n  cache:\n    adapter: sqlite3\n"
           "    migrations_paths: db/cache_migrate\n")  # fmt: skip
    cache = {"db/cache_migrate/20240101000000_create_entries.rb": USERS["db/migrate/20240101000000_create_users.rb"]
             .replace("CreateUsers", "CreateEntries").replace(":users", ":entries")}  # fmt: skip
    coverage = coverage_of(changeset({"config/database.yml": yml, **USERS}, cache))
    assert [(loc.directory, loc.judged_as()) for loc in coverage.locations] == [
        ("db/cache_migrate", "SQLite, from config/database.yml"), ("db/migrate", "PostgreSQL, from config/database.yml")]
    nested = {f"web/{p}": t for p, t in USERS.items()}
    coverage = coverage_of(changeset({"web/config/database.yml": DATABASE_YML.format(adapter="sqlite3"), **nested}, {}))
    assert [loc.judged_as() for loc in coverage.locations] == ["SQLite, from web/config/database.yml"]


def test_django_settings_beside_a_test_one_on_sqlite() -> None:
    texts = {
        "proj/settings/production.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'x'}}\n",
        "proj/settings/local.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}\n",  # a developer's
        "proj/test_settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql'}}\n",  # not read
    }
    assert BY_NAME["django"].database("app/migrations", files(texts)) == DatabaseSource("postgres", "proj/settings/production.py")
    only_sqlite = {"proj/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n'}
    assert BY_NAME["django"].database("app/migrations", files(only_sqlite)) == DatabaseSource("sqlite", "proj/settings.py")


@pytest.mark.parametrize(("framework", "namespace", "texts", "expected"), [
    ("alembic", "migrations", {"alembic.ini": "[alembic]\nsqlalchemy.url = mysql+pymysql://u@h/db\n"}, ("mysql", "alembic.ini")),
    ("knex", "migrations", {"knexfile.js": "module.exports = { client: 'better-sqlite3' };\n"}, ("sqlite", "knexfile.js")),
    ("sequelize", "migrations", {"config/config.json": '{"production": {"dialect": "mysql"}}'}, ("mysql", "config/config.json")),
    ("laravel", "database/migrations", {".env.example": "APP_NAME=x\nDB_CONNECTION=sqlite\n"}, ("sqlite", ".env.example")),
    ("laravel", "database/migrations",
     {"config/database.php": "'default' => env('DB_CONNECTION', 'mysql'),"}, ("mysql", "config/database.php")),
    ("typeorm", "src/migrations", {"src/data-source.ts": 'export default new DataSource({ type: "mysql" })'}, ("mysql", "src/data-source.ts")),
    ("flyway", "db/migration", {"flyway.conf": "flyway.url=jdbc:postgresql://h/db\n"}, ("postgres", "flyway.conf")),
    ("goose", "db/migrations", {"docker-compose.yml": "services:\n  db:\n    image: mysql:8.0\n  cache:\n    image: redis:7\n"},
     ("mysql", "docker-compose.yml")),
    ("goose", "db/migrations", {"docker-compose.yml": "services:\n  a:\n    image: postgres:16\n  b:\n    image: mysql:8\n"}, None),
    ("dbmate", "db/migrations", {".env.example": "DATABASE_URL=postgres://u@h/db?sslmode=disable\n"}, ("postgres", ".env.example")),
])  # fmt: skip
def test_each_tool_reads_its_own_configuration(framework: str, namespace: str, texts: dict[str, str],
                                               expected: tuple[str, str] | None) -> None:  # fmt: skip
    got = BY_NAME[framework].database(namespace, files(texts))
    assert got == (DatabaseSource(*expected) if expected else None)


RAILS_INDEX = {"db/migrate/20240102000000_add_index.rb": (
    "class AddIndex < ActiveRecord::Migration[7.1]\n  def change\n    add_index :users, :email\n  end\nend\n")}  # fmt: skip
USERS = {"db/migrate/20240101000000_create_users.rb": (
    "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users do |t|\n"
    "      t.string :email\n    end\n  end\nend\n")}  # fmt: skip


def test_a_sqlite_application_gets_no_postgres_advice_and_says_why() -> None:
    sqlite = {**USERS, "config/database.yml": DATABASE_YML.format(adapter="sqlite3")}
    postgres = {**USERS, "config/database.yml": DATABASE_YML.format(adapter="postgresql")}
    assert "require-concurrent-index-creation" not in [f[0] for f in found(sqlite, RAILS_INDEX)]
    assert "require-concurrent-index-creation" in [f[0] for f in found(postgres, RAILS_INDEX)]
    (location,) = coverage_of(changeset(sqlite, RAILS_INDEX)).locations
    assert location.judged_as() == "SQLite, from config/database.yml"
    assert not any("Nothing in the repository says" in n for n in coverage_of(changeset(sqlite, RAILS_INDEX)).notes)


def test_the_configured_dialect_overrides_the_repository() -> None:
    sqlite = {**USERS, "config/database.yml": DATABASE_YML.format(adapter="sqlite3")}
    config = read_config("dialect: postgres\n", "config")
    result = run(changeset(sqlite, RAILS_INDEX, config), config)
    assert "require-concurrent-index-creation" in [f.rule for f in result.findings]
    assert [loc.judged_as() for loc in result.coverage.locations] == ["PostgreSQL, from the configuration's `dialect`"]


def test_where_nothing_says_it_postgres_is_assumed_and_said_once() -> None:
    coverage = coverage_of(changeset(USERS, RAILS_INDEX))
    assert [loc.judged_as() for loc in coverage.locations] == ["PostgreSQL, assumed"]
    assert [n for n in coverage.notes if "Nothing in the repository says" in n] == [
        "Nothing in the repository says which database `db/migrate` runs on: judged as PostgreSQL "
        "(set `dialect:` in .github/migration-guard.yml to say it)."
    ]


def test_an_alembic_script_location_named_migrations_is_not_django() -> None:
    """Superset's ``superset/migrations`` holds Alembic's env.py beside ``__init__.py``."""
    alembic = ('"""x\n\nRevision ID: 1a\nRevises:\n"""\nfrom alembic import op\n\nrevision = "1a"\ndown_revision = None\n\n\n'
               "def upgrade():\n    op.drop_table('old')\n\n\ndef downgrade():\n    pass\n")  # fmt: skip
    base = {"app/migrations/__init__.py": "", "app/migrations/script.py.mako": "${up}\n", "app/migrations/alembic.ini": "[alembic]\n"}
    added = {"app/migrations/env.py": "from alembic import context\n", "app/migrations/versions/1a_x.py": alembic}
    cs = changeset(base, added)
    assert {m.framework for m in cs.head.migrations} == {"alembic"}
    assert not cs.head.failures

