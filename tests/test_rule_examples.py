"""Every example in the rule docs is run: the bad one must be found, the safe one must not be.

Each front end has a fixed context the examples run in: a `users` table (id, email, name
varchar(50), org_id) with an index `users_name`, and an `orgs` table (SQL: also `teams` and
`invoices`), created by the history on the
base branch; the example is the migration the change adds, with an empty down part unless it
has its own (`sql`: the Up section of a goose file,
optionally after `-- +goose NO TRANSACTION`; `rails`, `django`, `laravel`: the migration class's
body; `alembic`: the body of `upgrade()`; `knex`: the module without its `down`).
"""

from __future__ import annotations

import pytest

from rules import RULES
from tests.gitrepo_factory import Repo

SQL_BASE = ("-- +goose Up\nCREATE TABLE orgs (id bigint PRIMARY KEY);\n"
            "CREATE TABLE users (id bigint PRIMARY KEY, email text, name varchar(50), org_id bigint);\n"
            "CREATE INDEX users_name ON users (name);\nCREATE TABLE teams (id bigint PRIMARY KEY);\n"
            "CREATE TABLE invoices (id bigint PRIMARY KEY);\n-- +goose Down\nDROP TABLE invoices;\nDROP TABLE teams;\n"
            "DROP TABLE users;\nDROP TABLE orgs;\n")  # fmt: skip
RAILS_BASE = ("class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :orgs\n"
              "    create_table :users do |t|\n      t.string :email\n      t.string :name, limit: 50\n"
              "      t.bigint :org_id\n    end\n  end\nend\n")  # fmt: skip
ALEMBIC_HEADER = 'revision = "{rev}"\ndown_revision = {parent}\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n'
ALEMBIC_BASE = ALEMBIC_HEADER.format(rev="a1", parent=None) + (
    'def upgrade():\n    op.create_table("orgs", sa.Column("id", sa.BigInteger(), primary_key=True))\n'
    '    op.create_table("users", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("email", sa.Text()))\n\n\n'
    'def downgrade():\n    op.drop_table("users")\n    op.drop_table("orgs")\n'
)
KNEX_BASE = ('exports.up = async function (knex) {\n  await knex.schema.createTable("orgs", (t) => { t.bigIncrements("id"); });\n'
             '  await knex.schema.createTable("users", (t) => {\n    t.bigIncrements("id");\n    t.text("email");\n'
             '    t.string("name", 50).index("users_name");\n    t.bigInteger("org_id");\n  });\n};\n\n'
             'exports.down = async function (knex) {\n  await knex.schema.dropTable("users");\n  await knex.schema.dropTable("orgs");\n};\n')  # fmt: skip
LARAVEL_HEADER = ("<?php\n\nuse Illuminate\\Database\\Migrations\\Migration;\nuse Illuminate\\Database\\Schema\\Blueprint;\n"
                  "use Illuminate\\Support\\Facades\\DB;\nuse Illuminate\\Support\\Facades\\Schema;\n\n"
                  "return new class extends Migration\n{\n")  # fmt: skip
LARAVEL_BASE = LARAVEL_HEADER + (
    "    public function up(): void\n    {\n        Schema::create('orgs', function (Blueprint $table) {\n"
    "            $table->id();\n        });\n        Schema::create('users', function (Blueprint $table) {\n"
    "            $table->id();\n            $table->text('email');\n            $table->string('name', 50)->index('users_name');\n"
    "            $table->unsignedBigInteger('org_id');\n        });\n    }\n\n"
    "    public function down(): void\n    {\n        Schema::drop('users');\n        Schema::drop('orgs');\n    }\n};\n"
)
DJANGO_HEADER = ("from django.contrib.postgres.operations import AddIndexConcurrently\n"
                 "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n")  # fmt: skip
DJANGO_BASE = DJANGO_HEADER + (
    "    initial = True\n    dependencies = []\n\n    operations = [\n"
    "        migrations.CreateModel(name='User', fields=[('id', models.BigAutoField(primary_key=True)), "
    "('email', models.TextField())]),\n    ]\n"
)


def _history(repo: Repo, listing: str) -> str:
    """A ``history`` example: which files main gains after the branch left it (``main:``) and which
    the branch adds (``branch:``) or edits (``branch edits:``), on top of a goose migration and an
    Alembic revision ``a1`` on the base. A ``.sql`` file is a goose migration; a ``.py`` file an
    Alembic revision named by its file's prefix, ``<- parent`` giving its ``down_revision``."""

    def text(path: str, parent: str | None) -> str:
        if path.endswith(".sql"):
            return "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n"
        rev = path.rsplit("/", 1)[-1].split("_", 1)[0]
        return (ALEMBIC_HEADER.format(rev=rev, parent=f'"{parent}"' if parent else None)
                + "def upgrade():\n    op.add_column(\"users\", sa.Column(\"n\", sa.Integer()))\n\n\n"
                "def downgrade():\n    op.drop_column(\"users\", \"n\")\n")  # fmt: skip

    repo.write("db/migrations/00001_users.sql", SQL_BASE).write("alembic/env.py", "")
    repo.write("alembic/versions/a1_base.py", ALEMBIC_BASE).commit().branch("feature").checkout("main")
    steps = [line.split(":", 1) for line in listing.splitlines()]
    for where, rest in steps:
        path, _, parent = (part.strip() for part in rest.partition("<-"))
        if where == "main":
            repo.write(path, text(path, parent or None))
    repo.commit().checkout("feature")
    touched = ""
    for where, rest in steps:
        path, _, parent = (part.strip() for part in rest.partition("<-"))
        if where == "branch":
            repo.write(path, text(path, parent or None))
        elif where == "branch edits":
            repo.write(path, SQL_BASE.replace("email text", "email text NOT NULL"))
        touched = path if where != "main" else touched
    repo.commit()
    return touched


def _write(repo: Repo, front_end: str, snippet: str) -> str:
    """Write the context on main and the example on a branch; the example's path."""
    if front_end == "history":
        return _history(repo, snippet)
    if front_end == "sql":
        repo.write("db/migrations/00001_base.sql", SQL_BASE).commit().branch("feature")
        marker = "-- +goose NO TRANSACTION\n"
        head = marker if snippet.startswith(marker) else ""
        body = snippet.removeprefix(marker)
        down = "" if "-- +goose Down" in body else "\n-- +goose Down\nSELECT 1;"
        path, text = "db/migrations/00002_example.sql", f"{head}-- +goose Up\n{body}{down}\n"
    elif front_end == "rails":
        repo.write("db/migrate/20240101000000_create_users.rb", RAILS_BASE).commit().branch("feature")
        body = snippet + "\n\n  def down\n  end\n" if "def change" not in snippet else snippet + "\n"
        path, text = "db/migrate/20240102000000_example.rb", f"class Example < ActiveRecord::Migration[7.1]\n{body}end\n"
    elif front_end == "alembic":
        repo.write("alembic/env.py", "").write("alembic/versions/a1_base.py", ALEMBIC_BASE).commit().branch("feature")
        path = "alembic/versions/b2_example.py"
        down = "" if "def downgrade" in snippet else "\n\n\ndef downgrade():\n    pass"
        text = ALEMBIC_HEADER.format(rev="b2", parent='"a1"') + f"def upgrade():\n{snippet}{down}\n"
    elif front_end == "django":
        repo.write("shop/users/__init__.py", "").write("shop/users/migrations/__init__.py", "")
        repo.write("shop/users/migrations/0001_initial.py", DJANGO_BASE).commit().branch("feature")
        path = "shop/users/migrations/0002_example.py"
        text = DJANGO_HEADER + "    dependencies = [('users', '0001_initial')]\n\n" + snippet + "\n"
    elif front_end == "knex":
        repo.write("migrations/20240101000000_base.js", KNEX_BASE).commit().branch("feature")
        path = "migrations/20240102000000_example.js"
        text = snippet + "\n\nexports.down = async function () {};\n"
    elif front_end == "laravel":
        repo.write("database/migrations/2024_01_01_000000_base.php", LARAVEL_BASE).commit().branch("feature")
        path = "database/migrations/2024_01_02_000000_example.php"
        text = LARAVEL_HEADER + snippet + "\n\n    public function down(): void\n    {\n    }\n};\n"
    else:
        raise AssertionError(front_end)
    repo.write(path, text).commit()
    return path


CASES = [(rule.id, fe, kind) for rule in RULES.values() for fe in rule.examples for kind in ("bad", "safe")]


@pytest.mark.parametrize(("rule_id", "front_end", "kind"), CASES)
def test_each_rule_example_is_found_only_when_bad(repo: Repo, rule_id: str, front_end: str, kind: str) -> None:
    rule = RULES[rule_id]
    bad, safe = rule.examples[front_end]
    if not rule.on_by_default:  # a rule of taste runs where the configuration turns it on
        repo.write(".github/migration-guard.yml", f"rules:\n  {rule_id}: {rule.severity.label}\n")
    path = _write(repo, front_end, bad if kind == "bad" else safe)
    found = [f for f in repo.check("--base", "main").found if f[0] == rule_id and f[1] == path]
    assert bool(found) == (kind == "bad"), (rule_id, front_end, kind, repo.check("--base", "main").found)


def test_every_zero_downtime_rule_has_a_sql_example() -> None:
    missing = [r.id for r in RULES.values() if r.id.startswith(("require-", "adding-", "ban-", "changing-", "renaming-",
                                                                "constraint-", "disallowed-")) and "sql" not in r.examples]  # fmt: skip
    assert missing == []


def test_every_rule_a_cli_run_can_show_has_examples() -> None:
    """Only the open-pull-request collision needs the App's index of other pull requests."""
    assert [r.id for r in RULES.values() if not r.examples] == ["migration-conflicts-with-open-pr"]
