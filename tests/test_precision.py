"""Precision on real shapes: judge only what will run, read what the files say, never pass in silence.

Each test is a shape seen in a real repository's history; both sides are asserted (the finding
that must stay, and the false one that must not come back).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.gitrepo_factory import GIT_ENV, Repo
from tests.test_alembic import VERSIONS, project
from tests.test_code_frameworks import CHANGE_OK, rails
from tests.test_django import migration, shop
from tests.test_zero_downtime import M, rules_found, sql_change

# -- 1. empty on both sides is reversible -------------------------------------------------


def test_rails_empty_up_and_down_is_reversible_but_empty_down_after_real_up_is_not(repo: Repo) -> None:
    repo.write("db/migrate/20240101000000_create_orders.rb", rails("create_orders", "  def change\n  end\n"))
    repo.commit().branch("feature")
    nothing = "db/migrate/20240102000000_placeholder.rb"
    real = "db/migrate/20240103000000_add_status.rb"
    repo.write(nothing, rails("placeholder", "  def up\n  end\n\n  def down\n  end\n"))
    repo.write(
        real, rails("add_status", "  def up\n    add_column :orders, :status, :string\n  end\n\n  def down\n  end\n")
    )
    repo.commit()

    assert repo.check("--base", "main").found_for("missing-rollback") == [("missing-rollback", real, 6)]


def test_dbmate_empty_up_and_down_is_reversible(repo: Repo) -> None:
    repo.write("db/migrations/20240101000000_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n")
    repo.commit().branch("feature")
    repo.write("db/migrations/20240102000000_noop.sql", "-- migrate:up\n\n-- migrate:down\n\n").commit()
    assert repo.check("--base", "main").found == []


# -- 2. a deployed migration that a change edits is reported as edited, and only that -----

SWEPT_BEFORE = """revision = "2b"
down_revision = "1a"

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.add_column("orders", sa.Column("status", sa.String(), nullable=False))
    op.create_index("ix_orders_status", "orders", ["status"])
    op.execute("UPDATE orders SET status = 'new'")


def downgrade():
    pass
"""


def test_a_reformatting_sweep_of_deployed_migrations_gives_one_finding_per_file(repo: Repo) -> None:
    """`black`, `isort` or `# frozen_string_literal: true` over old files: they will not run again."""
    project(repo)
    repo.write(f"{VERSIONS}/2b_orders.py", SWEPT_BEFORE)
    old_rails = "db/migrate/20240101000000_add_status.rb"
    repo.write(old_rails, rails("add_status", "  def up\n    remove_column :orders, :status\n  end\n"))
    repo.commit("old history").branch("feature")
    swept = "# ruff: noqa\n" + SWEPT_BEFORE.replace("def upgrade():", "def upgrade() -> None:")
    repo.write(f"{VERSIONS}/2b_orders.py", swept)
    repo.write(old_rails, "# frozen_string_literal: true\n\n" + (repo.root / old_rails).read_text())
    repo.commit("sweep")

    outcome = repo.check("--base", "main")

    assert outcome.found == [
        ("deployed-migration-modified", old_rails, 1),
        ("deployed-migration-modified", f"{VERSIONS}/2b_orders.py", 1),
    ]


def test_an_undeployed_edit_is_still_judged_in_full(repo: Repo) -> None:
    """The other side: with `--deployed-ref` before the migration, its content is judged."""
    project(repo)
    repo.git("branch", "production")
    repo.write(f"{VERSIONS}/2b_orders.py", SWEPT_BEFORE).commit("orders").branch("feature")
    repo.write(f"{VERSIONS}/2b_orders.py", SWEPT_BEFORE.replace("ix_orders_status", "ix_status")).commit()

    found = {f[0] for f in repo.check("--base", "main", "--deployed-ref", "production").found}

    assert {"missing-rollback", "adding-required-field", "require-concurrent-index-creation"} <= found
    assert "deployed-migration-modified" not in found


def test_suppressions_in_a_swept_deployed_file_are_not_reported_unused(repo: Repo) -> None:
    path = "db/migrations/20240101000000_users.sql"
    text = (
        "-- migrate:up\n-- migration-guard: ignore ban-drop-column old columns\n"
        "ALTER TABLE users DROP COLUMN legacy;\n-- migrate:down\nSELECT 1;\n"
    )
    repo.write(path, text).commit().branch("feature")
    repo.write(path, text.replace("SELECT 1;", "SELECT 1; -- nothing")).commit()
    assert repo.check("--base", "main").found == [("deployed-migration-modified", path, 5)]


# -- 3. the rollback of a deployed migration cannot disappear in silence ------------------


def test_deleting_the_down_file_of_a_deployed_golang_migrate_migration(repo: Repo) -> None:
    repo.write("db/1_init.up.sql", "CREATE TABLE t (id int);\n")
    repo.write("db/1_init.down.sql", "DROP TABLE t;\n").commit().branch("feature")
    repo.remove("db/1_init.down.sql").commit()

    outcome = repo.check("--base", "main")

    assert outcome.found == [("missing-rollback", "db/1_init.up.sql", None)]
    f = outcome.finding("missing-rollback")
    assert "deletes its rollback `db/1_init.down.sql`" in f["message"] and outcome.code == 1


def test_deleting_a_deployed_migration_with_its_down_file_is_one_deletion(repo: Repo) -> None:
    repo.write("db/1_init.up.sql", "CREATE TABLE t (id int);\n")
    repo.write("db/1_init.down.sql", "DROP TABLE t;\n").commit().branch("feature")
    repo.remove("db/1_init.down.sql").remove("db/1_init.up.sql").commit()
    assert repo.check("--base", "main").found == [("deployed-migration-modified", "db/1_init.up.sql", None)]


def test_deleting_a_flyway_undo_file_of_a_deployed_migration(repo: Repo) -> None:
    repo.write("sql/V1__init.sql", "CREATE TABLE t (id int);\n")
    repo.write("sql/U1__init.sql", "DROP TABLE t;\n").commit().branch("feature")
    repo.remove("sql/U1__init.sql").commit()
    outcome = repo.check("--base", "main")
    assert outcome.found == [("missing-rollback", "sql/V1__init.sql", None)]
    assert "deletes its undo migration `sql/U1__init.sql`" in outcome.finding("missing-rollback")["message"]


def test_annotating_a_deployed_dbmate_file_is_an_edit_of_a_deployed_file(repo: Repo) -> None:
    path = "db/migrations/20240101000000_users.sql"
    repo.write("db/migrations/20231201000000_first.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n")
    repo.write(path, "CREATE TABLE users (id int);\n").commit().branch("feature")
    repo.write(path, "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n").commit()
    assert repo.check("--base", "main").found == [("deployed-migration-modified", path, 1)]


# -- 8. never green in silence -------------------------------------------------------------


def test_a_paths_entry_that_matches_no_directory_is_a_configuration_error(repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "paths:\n  - path: db/migrate\n    framework: rails\n")
    repo.write("db/migrations/20240101000000_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n")
    repo.commit().branch("feature")
    repo.write("db/migrations/20240102000000_b.sql", "-- migrate:up\nSELECT 1;\n").commit()

    outcome = repo.check("--base", "main")

    assert outcome.code == 2 and outcome.out == ""
    assert outcome.err == (
        "migration-guard: error: .github/migration-guard.yml: paths: `db/migrate` matches no directory at HEAD"
        " (a typo here would switch detection off)\n"
    )


def test_ignore_paths_that_swallow_every_changed_migration_say_so(repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "ignore_paths: ['db/*']\n")
    repo.write("db/migrations/20240101000000_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n")
    repo.commit().branch("feature")
    repo.write("db/migrations/20240102000000_b.sql", "-- migrate:up\nDROP TABLE users;\n").commit()

    summary = repo.check("--base", "main").json["summary"]
    assert summary["notes"] == [
        "`ignore_paths` skips every changed migration (`db/migrations/20240102000000_b.sql`): nothing was checked."
    ]
    text = repo.check("--base", "main", fmt="text").out
    assert "Note: ignore_paths skips every changed migration (db/migrations/20240102000000_b.sql)" in text


def test_the_json_summary_says_what_was_checked_against_which_refs(repo: Repo) -> None:
    repo.write(
        "db/knex/20240101000000_a.js", "exports.up = k => k.raw('SELECT 1');\nexports.down = k => k.raw('SELECT 1');\n"
    )
    repo.write("knexfile.js", "module.exports = { migrations: { directory: './db/knex' } };\n")
    repo.commit()
    repo.git("branch", "production")
    repo.branch("feature")
    repo.write(
        "db/knex/20240102000000_b.js", "exports.up = k => k.raw('SELECT 1');\nexports.down = k => k.raw('SELECT 1');\n"
    )
    repo.commit()

    summary = repo.check("--base", "main", "--deployed-ref", "production").json["summary"]

    sha = repo.git("rev-parse", "main").strip()
    assert summary["checked"] == [{"framework": "knex", "directory": "db/knex", "migrations": 2, "database": "postgres", "database_source": None}]
    assert summary["base"] == {"ref": "main", "sha": sha}
    assert summary["deployed"] == {"ref": "production", "sha": sha}


# -- 6. Django labels and moves ------------------------------------------------------------


def test_a_dependency_on_a_third_party_app_is_not_a_missing_parent(repo: Repo) -> None:
    """A lone app (no apps.py label, no self-dependency) must not become `taggit` because it also
    has a migration called like one of taggit's."""
    shop(repo, "shop/tags")
    repo.write("shop/tags/migrations/0003_taggeditem_add_unique_index.py", migration([]))
    repo.commit().branch("feature")
    repo.write("shop/orders/__init__.py", "").write("shop/orders/migrations/__init__.py", "")
    repo.write(
        "shop/orders/migrations/0001_initial.py",
        migration(
            [
                ("tags", "0001_initial"),
                ("tags", "0009_missing"),  # a real mistake: must still be found under the folder's own label
                ("taggit", "0003_taggeditem_add_unique_index"),
                ("auth", "0012_alter_user_first_name_max_length"),
            ]
        ),
    )
    repo.commit()

    outcome = repo.check("--base", "main")

    # The other side: a missing migration of a local app is still an error.
    assert outcome.found_for("migration-parent-missing") == [
        ("migration-parent-missing", "shop/orders/migrations/0001_initial.py", 8)
    ]
    assert "('tags', '0009_missing')" in outcome.finding("migration-parent-missing")["message"]


def test_a_missing_parent_inside_the_project_is_still_an_error(repo: Repo) -> None:
    shop(repo).branch("feature")
    path = "shop/orders/migrations/0002_order_note.py"
    repo.write(path, migration([("orders", "0001_initial"), ("orders", "0001_inital")])).commit()
    assert repo.check("--base", "main").found_for("migration-parent-missing") == [
        ("migration-parent-missing", path, 8)  # `dependencies = [`
    ]


def test_moving_an_app_folder_that_keeps_its_label_is_a_notice(repo: Repo) -> None:
    shop(repo, "shop/orders", label="orders")
    repo.write("shop/orders/migrations/0002_order_note.py", migration([("orders", "0001_initial")])).commit()
    repo.branch("feature")
    for name in ("__init__.py", "apps.py", "migrations/__init__.py", "migrations/0001_initial.py",
                 "migrations/0002_order_note.py"):  # fmt: skip
        repo.move(f"shop/orders/{name}", f"apps/orders/{name}")
    repo.commit("move the app")

    outcome = repo.check("--base", "main")

    assert outcome.code == 0
    assert {(f["rule"], f["severity"]) for f in outcome.json["findings"]} == {("deployed-migration-modified", "notice")}
    assert "(app label, migration name)" in outcome.json["findings"][0]["message"]


def test_renaming_a_deployed_django_migration_is_still_an_error(repo: Repo) -> None:
    shop(repo, "shop/orders", label="orders").branch("feature")
    repo.move("shop/orders/migrations/0001_initial.py", "shop/orders/migrations/0001_create_orders.py").commit()
    f = repo.check("--base", "main").finding("deployed-migration-modified")
    assert f["severity"] == "error" and "run it again" in f["message"]


# -- 5. Rails and Knex layouts as their tools load them --------------------------------------


def test_rails_engine_migrations_with_a_scope_are_migrations(repo: Repo) -> None:
    rails_app_repo = repo.write("db/migrate/20240101000000_create_orders.rb", rails("create_orders", CHANGE_OK))
    rails_app_repo.commit().branch("feature")
    engine = "db/migrate/20240102000000_create_active_storage_tables.active_storage.rb"
    repo.write(engine, rails("create_active_storage_tables", "  def up\n    create_table :blobs\n  end\n")).commit()
    assert repo.check("--base", "main").found == [("missing-rollback", engine, 2)]


def test_a_ruby_file_without_a_version_in_db_migrate_is_reported(repo: Repo) -> None:
    repo.write("db/migrate/20240101000000_create_orders.rb", rails("create_orders", CHANGE_OK))
    repo.commit().branch("feature")
    repo.write("db/migrate/add_status_to_orders.rb", rails("add_status_to_orders", CHANGE_OK)).commit()
    outcome = repo.check("--base", "main")
    assert outcome.found == [("unparsable-migration", "db/migrate/add_status_to_orders.rb", 1)]
    assert "Rails never runs this file" in outcome.json["findings"][0]["message"]


def test_remove_column_with_a_type_drops_the_column_not_the_type(repo: Repo) -> None:
    repo.write("db/migrate/20240101000000_create_orders.rb", rails("create_orders", CHANGE_OK))
    repo.commit().branch("feature")
    path = "db/migrate/20240102000000_remove_status.rb"
    repo.write(path, rails("remove_status", "  def change\n    remove_column :orders, :status, :string\n  end\n"))
    repo.commit()
    f = repo.check("--base", "main").finding("ban-drop-column")
    # the replayed schema knows the column from the earlier add_column (:string is PostgreSQL's varchar, read as text)
    assert f["line"] == 3 and "Dropping `status` (a text column) from `orders`" in f["message"]


KNEX_UP = "exports.up = (knex) => knex.raw('SELECT 1');\nexports.down = (knex) => knex.raw('SELECT 1');\n"


def test_sequelize_runs_every_file_of_its_directory(repo: Repo) -> None:
    repo.write(".sequelizerc", "module.exports = { 'migrations-path': 'db/seq' };\n")
    up = "module.exports = {\n  up: async (q) => q.sequelize.query('SELECT 1'),\n  down: async () => {},\n};\n"
    repo.write("db/seq/001-init.js", up).commit().branch("feature")
    repo.write("db/seq/002-add-index.js", up.replace("SELECT 1", "CREATE INDEX i ON t (c)")).commit()
    assert repo.check("--base", "main").found_for("require-concurrent-index-creation", "missing-rollback") == [
        ("require-concurrent-index-creation", "db/seq/002-add-index.js", 2),
        ("missing-rollback", "db/seq/002-add-index.js", 3),
    ]


def test_knex_runs_every_file_of_its_directory_in_name_order(repo: Repo) -> None:
    repo.write("knexfile.js", "module.exports = { migrations: { directory: 'db/knex_migrations' } };\n")
    repo.write("db/knex_migrations/2026-08-01-0000-init.js", KNEX_UP)
    repo.write("db/knex_migrations/2026-08-20-0000-add-owner.js", KNEX_UP).commit().branch("feature")
    repo.write("db/knex_migrations/2026-08-10-0000-add-status.js", KNEX_UP.replace("exports.down", "// no"))
    repo.commit()

    outcome = repo.check("--base", "main")

    path = "db/knex_migrations/2026-08-10-0000-add-status.js"
    assert outcome.found == [("migration-out-of-order", path, 1), ("missing-rollback", path, 1)]
    assert outcome.json["summary"]["checked"] == [
        {"framework": "knex", "directory": "db/knex_migrations", "migrations": 3, "database": "postgres", "database_source": None}
    ]


# -- 4. read the constants -------------------------------------------------------------------

DJANGO_CONSTANTS = """from django.db import migrations

INDEX_SQL = (
    "CREATE INDEX shop_order_created_idx "
    "ON shop_order (created)"
)
DROP_SQL = "DROP INDEX shop_order_created_idx"
RENAME = f"ALTER TABLE shop_order RENAME COLUMN total TO amount"
COMMON = [migrations.RunSQL(INDEX_SQL, DROP_SQL)]


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = COMMON + [
        migrations.SeparateDatabaseAndState(database_operations=[migrations.RunSQL(RENAME, migrations.RunSQL.noop)]),
    ]
"""


def test_django_sql_in_module_constants_is_analysed(repo: Repo) -> None:
    repo.write("shop/migrations/__init__.py", "")
    repo.write("shop/migrations/0001_initial.py", migration([]))
    repo.commit().branch("feature")
    repo.write("shop/migrations/0002_sql.py", DJANGO_CONSTANTS).commit()

    found = repo.check("--base", "main").found

    assert found == [
        ("require-concurrent-index-creation", "shop/migrations/0002_sql.py", 4),
        ("renaming-column", "shop/migrations/0002_sql.py", 8),
    ]


def test_django_operations_spread_from_a_list_and_database_operations_by_name(repo: Repo) -> None:
    repo.write("shop/migrations/__init__.py", "")
    repo.write("shop/migrations/0001_initial.py", migration([]))
    repo.commit().branch("feature")
    text = DJANGO_CONSTANTS.replace(
        "operations = COMMON + [",
        "DATABASE = [migrations.RunSQL(RENAME, migrations.RunSQL.noop)]\n\n    operations = [*COMMON,",
    )
    text = text.replace(
        "database_operations=[migrations.RunSQL(RENAME, migrations.RunSQL.noop)]", "database_operations=DATABASE"
    )
    repo.write("shop/migrations/0002_sql.py", text).commit()

    assert [f[0] for f in repo.check("--base", "main").found] == [
        "require-concurrent-index-creation",
        "renaming-column",
    ]


def test_sql_really_built_at_run_time_is_still_said(repo: Repo) -> None:
    repo.write("shop/migrations/__init__.py", "")
    repo.write("shop/migrations/0001_initial.py", migration([]))
    repo.commit().branch("feature")
    text = DJANGO_CONSTANTS.replace(
        'DROP_SQL = "DROP INDEX shop_order_created_idx"', 'DROP_SQL = "DROP INDEX x"\nTABLE = input()'
    )
    text = text.replace('RENAME = f"ALTER TABLE shop_order', 'RENAME = f"ALTER TABLE {TABLE}')
    repo.write("shop/migrations/0002_sql.py", text).commit()

    found = repo.check("--base", "main").found_for("sql-not-analysed", "renaming-column")

    assert found == [("sql-not-analysed", "shop/migrations/0002_sql.py", 17)]


def test_a_reverse_only_runsql_runs_nothing_forward(repo: Repo) -> None:
    """`RunSQL(migrations.RunSQL.noop, reverse_sql=...)` (saleor writes them) was "SQL built at run time"."""
    repo.write("shop/migrations/__init__.py", "")
    repo.write("shop/migrations/0001_initial.py", migration([]))
    repo.commit().branch("feature")
    repo.write("shop/migrations/0002_noop.py", migration([("shop", "0001_initial")], (
        '        migrations.RunSQL(migrations.RunSQL.noop, reverse_sql="DROP INDEX IF EXISTS shop_order_idx"),\n'
        "        migrations.RunSQL([migrations.RunSQL.noop]),"
    ))).commit()  # fmt: skip

    assert repo.check("--base", "main").found_for("sql-not-analysed") == []


ALEMBIC_CONSTANTS = """revision = "2b"
down_revision = "1a"

from alembic import op
import sqlalchemy as sa

ADD = "ALTER TABLE orders ADD COLUMN token uuid NOT NULL"
BACKFILL = sa.text("UPDATE orders SET status = 'new' WHERE status IS NULL")


def upgrade():
    op.execute(ADD + " DEFAULT gen_random_uuid()")


def downgrade():
    op.drop_column("orders", "token")
"""


def test_alembic_sql_in_constants_and_concatenation_is_analysed(repo: Repo) -> None:
    project(repo).branch("feature")
    repo.write(f"{VERSIONS}/2b_orders.py", ALEMBIC_CONSTANTS).commit()
    assert repo.check("--base", "main").found == [
        ("adding-field-with-default", f"{VERSIONS}/2b_orders.py", 12)
    ]  # assembled there


def test_an_alembic_backfill_with_an_empty_downgrade_is_not_a_missing_rollback(repo: Repo) -> None:
    project(repo).branch("feature")
    backfill = ALEMBIC_CONSTANTS.replace('op.execute(ADD + " DEFAULT gen_random_uuid()")', "op.execute(BACKFILL)")
    backfill = backfill.replace('op.drop_column("orders", "token")', "pass")
    repo.write(f"{VERSIONS}/2b_orders.py", backfill).commit()
    assert repo.check("--base", "main").found == []
    schema = ALEMBIC_CONSTANTS.replace('op.drop_column("orders", "token")', "pass")
    repo.write(f"{VERSIONS}/2b_orders.py", schema).commit()
    assert repo.check("--base", "main").found_for("missing-rollback") == [
        ("missing-rollback", f"{VERSIONS}/2b_orders.py", 15)
    ]


def test_rails_heredoc_with_squish_and_sql_constants_are_literal_sql(repo: Repo) -> None:
    repo.write("db/migrate/20240101000000_create_orders.rb", rails("create_orders", CHANGE_OK))
    repo.commit().branch("feature")
    path = "db/migrate/20240102000000_index_orders.rb"
    body = (
        '  INDEX = "CREATE INDEX index_orders_on_status ON orders (status)".freeze\n\n'
        "  def up\n    execute <<~SQL.squish\n      ALTER TABLE orders RENAME COLUMN total TO amount\n    SQL\n"
        "    execute INDEX\n  end\n\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\n"
    )
    repo.write(path, rails("index_orders", body)).commit()

    found = repo.check("--base", "main").found

    assert ("sql-not-analysed", path, 5) not in found
    assert [f for f in found if f[0] != "missing-rollback"] == [
        ("renaming-column", path, 6),
        ("require-concurrent-index-creation", path, 8),
    ]


def test_a_suggestion_for_sql_inside_python_rewrites_the_python_line(repo: Repo) -> None:
    project(repo).branch("feature")
    text = ALEMBIC_CONSTANTS.replace(
        'op.execute(ADD + " DEFAULT gen_random_uuid()")',
        'with op.get_context().autocommit_block():\n        op.execute("CREATE INDEX ix_orders_status ON orders (status)")',
    )
    repo.write(f"{VERSIONS}/2b_orders.py", text).commit()
    (finding,) = [f for f in repo.findings() if f.rule == "require-concurrent-index-creation"]
    assert finding.line == 13
    assert finding.suggestion == '        op.execute("CREATE INDEX CONCURRENTLY ix_orders_status ON orders (status)")'

    # the same statement in the migration's transaction: CONCURRENTLY alone would fail, not offered
    repo.write(f"{VERSIONS}/2b_orders.py", text.replace("with op.get_context().autocommit_block():\n    ", "")).commit()
    (finding,) = [f for f in repo.findings() if f.rule == "require-concurrent-index-creation"]
    assert finding.suggestion is None


def test_knex_and_laravel_sql_in_constants_is_analysed_and_interpolation_is_not(repo: Repo) -> None:
    repo.write("knexfile.js", "module.exports = { migrations: { directory: 'db/knex' } };\n")
    repo.write("db/knex/20240101000000_init.js", KNEX_UP)
    repo.write("database/migrations/2024_01_01_000000_init.php", "<?php\n")
    repo.commit().branch("feature")
    knex = "db/knex/20240102000000_index.js"
    repo.write(
        knex,
        "const SQL = 'CREATE INDEX a ON b (c)';\n"
        'const RENAME = "ALTER TABLE b " + `RENAME COLUMN x TO y`;\n'
        "exports.up = async (knex) => {\n  await knex.raw(SQL);\n  await knex.raw(RENAME);\n"
        "  await knex.raw(`DROP TABLE ${name}`);\n};\nexports.down = async () => {};\n",
    )
    laravel = "database/migrations/2024_01_02_000000_index.php"
    repo.write(
        laravel,
        "<?php\nreturn new class extends Migration {\n  const SQL = 'CREATE INDEX a ON b (c)';\n"
        "  public function up() {\n    $sql = 'ALTER TABLE b RENAME COLUMN x TO y';\n"
        "    DB::statement(self::SQL);\n    DB::statement($sql);\n  }\n"
        "  public function down() { DB::statement('DROP INDEX a'); }\n};\n",
    )
    repo.commit()

    found = [f for f in repo.check("--base", "main").found if f[0] != "missing-rollback"]

    assert found == [
        ("require-concurrent-index-creation", laravel, 3),
        ("renaming-column", laravel, 5),
        ("require-concurrent-index-creation", knex, 1),
        ("renaming-column", knex, 2),
        ("sql-not-analysed", knex, 6),
    ]


# -- 7. SQL details ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("ALTER TABLE users ADD COLUMN token text DEFAULT md5(random()::text);", [("adding-field-with-default", 2)]),
        ("ALTER TABLE users ADD COLUMN r float DEFAULT random();", [("adding-field-with-default", 2)]),
        ("ALTER TABLE users ADD COLUMN seq bigserial;", [("adding-field-with-default", 2)]),
        ("ALTER TABLE users ADD COLUMN seq serial NOT NULL;", [("adding-field-with-default", 2)]),
        (
            'ALTER TABLE users ADD COLUMN "fullName" text GENERATED ALWAYS AS (first || last) STORED NOT NULL;',
            [("adding-field-with-default", 2)],
        ),
        ("ALTER TABLE users ADD COLUMN created timestamptz DEFAULT now();", []),
        ("ALTER TABLE users ADD COLUMN n int NOT NULL;", [("adding-required-field", 2)]),
        ("ALTER TABLE users ALTER COLUMN id TYPE numeric;", [("changing-column-type", 2)]),
    ],
)
def test_volatile_defaults_serials_and_generated_columns(repo: Repo, sql: str, expected: list) -> None:
    assert rules_found(sql_change(repo, sql)) == expected


def test_stored_generated_column_message_keeps_the_quoted_name(repo: Repo) -> None:
    sql_change(repo, 'ALTER TABLE "Users" ADD COLUMN "fullName" text GENERATED ALWAYS AS (a || b) STORED NOT NULL;')
    f = repo.check("--base", "main").finding("adding-field-with-default")
    assert f["message"].startswith("Adding `fullName` as a stored generated column rewrites `Users` row by row")


def test_mysql_modify_and_change_column_are_type_changes_with_mysql_advice(repo: Repo) -> None:
    sql = "ALTER TABLE users MODIFY COLUMN id bigint NOT NULL;\nALTER TABLE users CHANGE COLUMN name full_name text;"
    outcome = sql_change(repo, sql, config="dialect: mysql\n").check("--base", "main")
    assert outcome.found_for("changing-column-type") == [
        ("changing-column-type", f"{M}/00002_rework_users.sql", 2),
        ("changing-column-type", f"{M}/00002_rework_users.sql", 3),
    ]
    assert all("ALGORITHM=INPLACE, LOCK=NONE" in f["help"] for f in outcome.json["findings"])


def test_the_parser_s_own_warnings_never_reach_stderr(repo: Repo) -> None:
    """In a real process (pytest's own log capture would hide a warning printed in-process)."""
    sql_change(repo, "ALTER TYPE \"DocumentStatus\" ADD VALUE 'CANCELLED';")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--repo", str(repo.root), "--base", "main", "--no-cache"],
        capture_output=True,
        text=True,
        env=GIT_ENV,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0 and "1 changed migration checked" in done.stdout
    assert done.stderr == ""


# -- 9. fix text fits the framework ------------------------------------------------------------


def test_rollback_advice_names_each_framework_s_own_construct(repo: Repo) -> None:
    repo.write("db/migrate/20240101000000_create_orders.rb", rails("create_orders", CHANGE_OK))
    repo.write("db/sql/1_init.up.sql", "CREATE TABLE t (id int);\n").write("db/sql/1_init.down.sql", "DROP TABLE t;\n")
    repo.commit().branch("feature")
    repo.write(
        "db/migrate/20240102000000_change_status.rb",
        rails("change_status", "  def change\n    change_column :orders, :status, :text\n  end\n"),
    )
    repo.write("db/sql/2_more.up.sql", "ALTER TABLE t ADD COLUMN c int;\n").write("db/sql/2_more.down.sql", "\n")
    repo.write("db/sql/3_other.up.sql", "ALTER TABLE t ADD COLUMN d int;\n")
    repo.commit()

    helps = {(f["framework"], f["path"]): f["help"] for f in repo.check("--base", "main").json["findings"]
             if f["rule"] == "missing-rollback"}  # fmt: skip

    assert "reversible do |dir|" in helps[("rails", "db/migrate/20240102000000_change_status.rb")]
    assert helps[("golang-migrate", "db/sql/2_more.down.sql")] == (
        "Write the SQL that reverses the `.up.` file in this `.down.` file."
    )
    assert helps[("golang-migrate", "db/sql/3_other.up.sql")] == (
        "Add `3_other.down.sql` with the SQL that reverses it."
    )
    for text in helps.values():
        assert "reverse_code" not in text and "raise" not in text


def test_sql_files_a_tool_never_runs_are_reported_beside_its_migrations(repo: Repo) -> None:
    repo.write("db/sql/1_init.up.sql", "CREATE TABLE t (id int);\n").write("db/sql/1_init.down.sql", "DROP TABLE t;\n")
    repo.write("flyway/V1__init.sql", "CREATE TABLE f (id int);\n")
    repo.commit().branch("feature")
    repo.write("db/sql/2_add_c.sql", "ALTER TABLE t ADD COLUMN c int;\n")  # no .up.: never run
    repo.write("flyway/V2_add_c.sql", "ALTER TABLE f ADD COLUMN c int;\n")  # one underscore: ignored by Flyway
    repo.write("flyway/afterMigrate.sql", "ANALYZE;\n")  # a callback: Flyway runs it
    repo.write("docs/example.sql", "SELECT 1;\n")  # no migrations here
    repo.commit()

    outcome = repo.check("--base", "main")

    assert outcome.found == [
        ("unparsable-migration", "db/sql/2_add_c.sql", 1),
        ("unparsable-migration", "flyway/V2_add_c.sql", 1),
    ]
    messages = [f["message"] for f in outcome.json["findings"]]
    assert "golang-migrate never runs this file" in messages[0]
    assert "flyway never runs this file" in messages[1]


# -- code that runs on another database adapter only -------------------------------------------

DOORKEEPER = """  def change
    create_table :oauth_access_tokens do |t|
      t.string :refresh_token
    end

    if ActiveRecord::Base.connection.adapter_name == "SQLServer"
      execute <<~SQL.squish
        CREATE UNIQUE NONCLUSTERED INDEX index_on_refresh_token ON oauth_access_tokens(refresh_token)
        WHERE refresh_token IS NOT NULL
      SQL
    else
      add_index :orders, :refresh_token, unique: true
    end
  end
"""


def test_a_branch_for_another_rails_adapter_is_not_judged(repo: Repo) -> None:
    """doorkeeper's generated migration: its SQL Server branch never runs on PostgreSQL."""
    repo.write("db/migrate/20240101000000_create_orders.rb", rails("create_orders", CHANGE_OK))
    repo.commit().branch("feature")
    path = "db/migrate/20240102000000_create_doorkeeper_tables.rb"
    repo.write(path, rails("create_doorkeeper_tables", DOORKEEPER)).commit()

    assert repo.check("--base", "main").found == [("require-concurrent-index-creation", path, 13)]
    repo.write(".github/migration-guard.yml", "dialect: sqlserver\n").commit()
    assert [f[0] for f in repo.check("--base", "main").found] == ["missing-rollback"]  # its `execute` in `change`


ALEMBIC_BRANCHES = """revision = "2b"
down_revision = "1a"

from alembic import op


def upgrade():
    url = str(op.get_bind().engine.url)
    if url.startswith("mysql"):
        op.create_foreign_key("files_ibfk_3", "files", "solutions", ["solution_id"], ["id"])
    elif url.startswith("postgres"):
        op.create_foreign_key("files_fkey", "files", "solutions", ["solution_id"], ["id"])


def downgrade():
    op.drop_constraint("files_fkey", "files", type_="foreignkey")
"""


def test_an_alembic_branch_for_another_dialect_is_not_judged(repo: Repo) -> None:
    project(repo).branch("feature")
    repo.write(f"{VERSIONS}/2b_files.py", ALEMBIC_BRANCHES).commit()
    assert repo.check("--base", "main").found == [("adding-foreign-key-constraint", f"{VERSIONS}/2b_files.py", 12)]


def test_prisma_folders_with_short_numbers_and_a_moved_migrations_folder(repo: Repo) -> None:
    lock = 'provider = "postgresql"\n'
    repo.write("db/postgresql/migrations/migration_lock.toml", lock)
    repo.write("db/postgresql/migrations/01_init/migration.sql", "CREATE TABLE t (id int);\n")
    repo.commit().branch("feature")
    repo.move("db/postgresql/migrations/migration_lock.toml", "prisma/migrations/migration_lock.toml")
    repo.move("db/postgresql/migrations/01_init/migration.sql", "prisma/migrations/01_init/migration.sql")
    repo.write("prisma/migrations/02_add_tag/migration.sql", "CREATE INDEX t_id ON t (id);\n").commit()

    outcome = repo.check("--base", "main")

    assert [(f["rule"], f["severity"], f["path"]) for f in outcome.json["findings"]] == [
        ("deployed-migration-modified", "notice", "prisma/migrations/01_init/migration.sql"),
        ("missing-rollback", "notice", "prisma/migrations/02_add_tag/migration.sql"),
        ("require-concurrent-index-creation", "warning", "prisma/migrations/02_add_tag/migration.sql"),
        ("require-lock-timeout", "warning", "prisma/migrations/02_add_tag/migration.sql"),
        ("require-statement-timeout", "notice", "prisma/migrations/02_add_tag/migration.sql"),
    ]
    assert outcome.json["summary"]["checked"] == [
        {"framework": "prisma", "directory": "prisma/migrations", "migrations": 2, "database": "postgres",
         "database_source": "prisma/migrations/migration_lock.toml"}
    ]
