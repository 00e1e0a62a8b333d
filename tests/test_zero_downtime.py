"""Zero-downtime rules over real migration text, per rule and per front end."""

from __future__ import annotations

import pytest

from tests import in_memory
from tests.gitrepo_factory import Repo

M = "db/migrations"


def goose(sql: str, no_transaction: bool = False) -> str:
    head = "-- +goose NO TRANSACTION\n" if no_transaction else ""
    return f"{head}-- +goose Up\n{sql}\n-- +goose Down\nSELECT 1;\n"


def sql_change(repo: Repo, sql: str, config: str | None = None, **kw: bool) -> Repo:
    if config is not None:
        repo.write(".github/migration-guard.yml", config)
    repo.write(f"{M}/00001_users.sql", goose("CREATE TABLE users (id bigint PRIMARY KEY);")).commit()
    return repo.branch("feature").write(f"{M}/00002_rework_users.sql", goose(sql, **kw)).commit()


ZERO_DOWNTIME = {
    "require-concurrent-index-creation", "require-concurrent-index-deletion",
    "ban-concurrent-index-creation-in-transaction", "adding-required-field", "adding-field-with-default",
    "adding-not-nullable-field", "constraint-missing-not-valid", "adding-foreign-key-constraint",
    "disallowed-unique-constraint", "changing-column-type", "renaming-column", "renaming-table",
    "ban-drop-column", "ban-drop-table", "mixed-schema-and-data-migration", "unfocused-migration",
    "sql-not-analysed",
}  # fmt: skip


def rules_found(repo: Repo) -> list[tuple[str, int | None]]:
    return [(rule, line) for rule, _path, line in repo.check("--base", "main").found if rule in ZERO_DOWNTIME]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # require-concurrent-index-creation / -deletion
        ("CREATE INDEX idx_users_email ON users (email);", [("require-concurrent-index-creation", 2)]),
        (
            'CREATE UNIQUE INDEX IF NOT EXISTS "Idx" ON public."Users" (email);',
            [("require-concurrent-index-creation", 2)],
        ),
        ("DROP INDEX IF EXISTS idx_users_email;", [("require-concurrent-index-deletion", 2)]),
        # a table created in the same migration is exempt
        (
            "CREATE TABLE accounts (id bigint);\nCREATE INDEX idx_accounts ON accounts (id);\n"
            "ALTER TABLE accounts ADD COLUMN name text NOT NULL;",
            [],
        ),
        # comments, strings and dollar-quoted bodies that mention the keywords are not statements
        (
            "-- CREATE INDEX idx ON users (email); DROP TABLE users;\n"
            "/* ALTER TABLE users RENAME COLUMN a TO b; */\n"
            "CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN DROP TABLE users; RETURN NEW; END $$ LANGUAGE plpgsql;\n"
            "SELECT 'ALTER TABLE users DROP COLUMN email;';",
            [],
        ),
        # adding-required-field / adding-field-with-default / adding-not-nullable-field
        ("ALTER TABLE users ADD COLUMN age integer NOT NULL;", [("adding-required-field", 2)]),
        ("ALTER TABLE users ADD COLUMN age integer NOT NULL DEFAULT 0;", []),
        ("ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT now();", []),
        ("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();", [("adding-field-with-default", 2)]),
        ("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", [("adding-not-nullable-field", 2)]),
        # constraints
        ("ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0);", [("constraint-missing-not-valid", 2)]),
        # unnamed: sqlglot cannot parse it, the keywords still tell (not "could not analyse")
        ("ALTER TABLE users ADD CHECK (age > 0);", [("constraint-missing-not-valid", 2)]),
        ("ALTER TABLE users ADD CHECK (age > 0) NOT VALID;", []),
        (
            "ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0) NOT VALID;\n"
            "ALTER TABLE users VALIDATE CONSTRAINT age_positive;",
            [("constraint-missing-not-valid", 3)],  # in goose's transaction, the add's lock lasts the scan
        ),
        (
            "ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id);",
            [("adding-foreign-key-constraint", 2)],
        ),
        # declared with the new, all-NULL column: PostgreSQL checks no row (measured: 1 ms on 2 million rows)
        ("ALTER TABLE users ADD COLUMN org_id bigint REFERENCES orgs (id);", []),
        # with a default every row has a value to check; a separate ADD CONSTRAINT reads every row too
        ("ALTER TABLE users ADD COLUMN org_id bigint DEFAULT 1 REFERENCES orgs (id);", [("adding-foreign-key-constraint", 2)]),
        (
            "ALTER TABLE users ADD COLUMN org_id bigint;\n"
            "ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id);",
            [("adding-foreign-key-constraint", 3)],
        ),
        ("ALTER TABLE users ADD CONSTRAINT uq_email UNIQUE (email);", [("disallowed-unique-constraint", 2)]),
        ("ALTER TABLE users ADD CONSTRAINT uq_email UNIQUE USING INDEX idx_users_email;", []),
        # type changes, renames, drops
        ("ALTER TABLE users ALTER COLUMN email TYPE varchar(320);", [("changing-column-type", 2)]),
        ("ALTER TABLE users RENAME COLUMN email TO email_address;", [("renaming-column", 2)]),
        ("ALTER TABLE users RENAME TO people;", [("renaming-table", 2)]),
        ("ALTER TABLE users DROP COLUMN IF EXISTS legacy;", [("ban-drop-column", 2)]),
        ("DROP TABLE IF EXISTS audits;", [("ban-drop-table", 2)]),
        # multi-statement file: each statement on its own line, data mixed with schema
        (
            "ALTER TABLE users ADD COLUMN plan text;\nUPDATE users\n  SET plan = 'free';",
            [("mixed-schema-and-data-migration", 3)],
        ),
        # what cannot be analysed is said, not skipped
        ("ALTER TABLE users SET TABLESPACE fast -- odd\n;", [("sql-not-analysed", 2)]),
        # PL/pgSQL is not analysed: a DO block that changes the schema is said (it passed in silence)
        ("DO $$ BEGIN EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT a TO b', 'users'); END $$;",
         [("sql-not-analysed", 2)]),
        ("DO $$ BEGIN RAISE NOTICE 'will drop table later'; -- ALTER TABLE x\n /* create index */ END $$;", []),
    ],
)
def test_sql_rules(sql: str, expected: list[tuple[str, int]]) -> None:
    """In memory (``tests/in_memory.py``): the migration's text in, the findings out."""
    findings = in_memory.found(
        {f"{M}/00001_users.sql": goose("CREATE TABLE users (id bigint PRIMARY KEY);")},
        {f"{M}/00002_rework_users.sql": goose(sql)},
    )
    assert [(rule, line) for rule, _path, line in findings if rule in ZERO_DOWNTIME] == expected


def test_concurrent_index_inside_a_transaction(repo: Repo) -> None:
    sql_change(repo, "CREATE INDEX CONCURRENTLY idx_users_email ON users (email);")
    assert rules_found(repo) == [("ban-concurrent-index-creation-in-transaction", 2)]
    repo.write(
        f"{M}/00002_rework_users.sql", goose("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);", True)
    )
    repo.commit()
    assert rules_found(repo) == []


def test_dbmate_transaction_false(repo: Repo) -> None:
    repo.write(
        "db/migrations/20240101000000_users.sql",
        "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n",
    )
    repo.commit().branch("feature")
    repo.write(
        "db/migrations/20240102000000_idx.sql",
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON users (id);\n-- migrate:down\nDROP INDEX i;\n",
    )
    repo.commit()
    assert rules_found(repo) == []


def test_mysql_gets_no_concurrently_advice(repo: Repo) -> None:
    sql_change(
        repo,
        "CREATE INDEX idx_users_email ON users (email);\nALTER TABLE users MODIFY email VARCHAR(320) NOT NULL;",
        config="dialect: mysql\n",
    )
    found = rules_found(repo)
    assert ("require-concurrent-index-creation", 2) not in found
    outcome = repo.check("--base", "main")
    mysql_advice = [f["help"] for f in outcome.json["findings"] if f["rule"] == "changing-column-type"]
    assert all("ALGORITHM=INPLACE" in h for h in mysql_advice)


def test_unfocused_migration_threshold(repo: Repo) -> None:
    sql = "\n".join(f"ALTER TABLE t{n} ADD COLUMN note text;" for n in range(4))
    sql_change(repo, sql)
    assert rules_found(repo) == [("unfocused-migration", 1)]
    repo.write(".github/migration-guard.yml", "max_tables_per_migration: 5\n")
    assert rules_found(repo) == []


def test_suggestions_for_local_rewrites(repo: Repo) -> None:
    sql_change(
        repo,
        "CREATE INDEX idx_users_email ON users (email);\n"
        "ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id);",
    )
    found = {f.rule: f for f in repo.findings()}
    # goose runs this file in a transaction: CONCURRENTLY alone would fail the deploy, so the
    # suggestion also turns the transaction off, from the top of the file down to the statement
    index = found["require-concurrent-index-creation"]
    assert index.suggested_range == (1, 2)
    assert index.suggestion == "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);"
    assert found["adding-foreign-key-constraint"].suggestion == (
        "ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;"
    )


def test_a_concurrent_index_is_suggested_where_no_transaction_wraps_it(repo: Repo) -> None:
    sql_change(repo, "CREATE INDEX idx_users_email ON users (email);", no_transaction=True)
    found = {f.rule: f for f in repo.findings()}
    assert found["require-concurrent-index-creation"].suggestion == (
        "CREATE INDEX CONCURRENTLY idx_users_email ON users (email);"
    )


def test_prisma_dialect_from_migration_lock(repo: Repo) -> None:
    repo.write("prisma/migrations/migration_lock.toml", 'provider = "mysql"\n')
    repo.write("prisma/migrations/20240101000000_init/migration.sql", "CREATE TABLE users (id int);\n").commit()
    repo.branch("feature").write(
        "prisma/migrations/20240102000000_idx/migration.sql", "CREATE INDEX idx ON users (id);\n"
    ).commit()
    assert rules_found(repo) == []


# -- framework DSLs ----------------------------------------------------------------------

RAILS = """class {name} < ActiveRecord::Migration[7.1]
{body}end
"""


def test_rails_dsl(repo: Repo) -> None:
    repo.write(
        "db/migrate/20240101000000_create_users.rb",
        RAILS.format(name="CreateUsers", body="  def change\n    create_table :users\n  end\n"),
    )
    repo.commit().branch("feature")
    body = """  def change
    add_index :users, :email
    add_column :users, :age, :integer, null: false
    add_foreign_key :orders, :users
    rename_column :users, :name, :full_name
    User.where(age: nil).update_all(age: 0)
  end
"""
    repo.write("db/migrate/20240102000000_rework_users.rb", RAILS.format(name="ReworkUsers", body=body)).commit()
    assert rules_found(repo) == [
        ("require-concurrent-index-creation", 3),
        ("adding-required-field", 4),
        ("adding-foreign-key-constraint", 5),
        ("renaming-column", 6),
        ("mixed-schema-and-data-migration", 7),
    ]
    suggestions = {f.rule: f.suggestion for f in repo.findings()}
    # without `disable_ddl_transaction!`, `algorithm: :concurrently` alone fails the deploy: both, in one edit
    assert suggestions["require-concurrent-index-creation"] == (
        "class ReworkUsers < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n"
        "    add_index :users, :email, algorithm: :concurrently"
    )
    assert suggestions["adding-foreign-key-constraint"] == "    add_foreign_key :orders, :users, validate: false"


def test_rails_concurrent_index_needs_disable_ddl_transaction(repo: Repo) -> None:
    repo.write(
        "db/migrate/20240101000000_create_users.rb",
        RAILS.format(name="CreateUsers", body="  def change\n    create_table :users\n  end\n"),
    )
    repo.commit().branch("feature")
    body = "  def change\n    add_index :users, :email, algorithm: :concurrently\n  end\n"
    repo.write("db/migrate/20240102000000_index_email.rb", RAILS.format(name="IndexEmail", body=body)).commit()
    assert rules_found(repo) == [("ban-concurrent-index-creation-in-transaction", 3)]
    repo.write(
        "db/migrate/20240102000000_index_email.rb",
        RAILS.format(name="IndexEmail", body="  disable_ddl_transaction!\n\n" + body),
    ).commit()
    assert rules_found(repo) == []


ALEMBIC = """revision = "b2"
down_revision = "a1"
from alembic import op
import sqlalchemy as sa


def upgrade():
{body}


def downgrade():
    pass
"""


def test_alembic_ops(repo: Repo) -> None:
    repo.write("alembic/env.py", "").write(
        "alembic/versions/a1.py",
        ALEMBIC.replace('"b2"', '"a1"').replace('"a1"\nfrom', "None\nfrom").format(body="    pass"),
    )
    repo.commit().branch("feature")
    body = """    op.create_index("ix_users_email", "users", ["email"])
    with op.get_context().autocommit_block():
        op.create_index("ix_users_name", "users", ["name"], postgresql_concurrently=True)
    op.create_index("ix_users_age", "users", ["age"], postgresql_concurrently=True)
    op.add_column("users", sa.Column("token", sa.String(), server_default=sa.text("gen_random_uuid()")))
    op.alter_column("users", "email", nullable=False)
    op.execute("ALTER TABLE users RENAME TO people")"""
    repo.write("alembic/versions/b2.py", ALEMBIC.format(body=body)).commit()
    assert rules_found(repo) == [
        ("require-concurrent-index-creation", 8),
        ("ban-concurrent-index-creation-in-transaction", 11),
        ("adding-field-with-default", 12),
        ("adding-not-nullable-field", 13),
        ("renaming-table", 14),
    ]
    # postgresql_concurrently=True alone fails inside the migration's transaction: the suggestion
    # wraps the call in autocommit_block() (two lines for the one)
    suggestion = next(f.suggestion for f in repo.findings() if f.rule == "require-concurrent-index-creation")
    assert suggestion == (
        "    with op.get_context().autocommit_block():\n"
        '        op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)'
    )


DJANGO = """from django.db import migrations, models


class Migration(migrations.Migration):
{extra}
    dependencies = [("shop", "0001_initial")]

    operations = [
{ops}
    ]
"""


def test_django_operations(repo: Repo) -> None:
    repo.write("shop/migrations/__init__.py", "").write(
        "shop/migrations/0001_initial.py", DJANGO.format(extra="", ops="").replace('[("shop", "0001_initial")]', "[]")
    )
    repo.commit().branch("feature")
    ops = """        migrations.AddIndex(model_name="order", index=models.Index(fields=["created"], name="order_created_idx")),
        migrations.RenameField(model_name="order", old_name="total", new_name="amount"),
        migrations.RemoveField(model_name="order", name="legacy"),
        migrations.RunSQL("UPDATE shop_order SET amount = 0 WHERE amount IS NULL", migrations.RunSQL.noop),"""
    repo.write("shop/migrations/0002_rework.py", DJANGO.format(extra="", ops=ops)).commit()
    assert rules_found(repo) == [
        ("require-concurrent-index-creation", 9),
        ("renaming-column", 10),
        ("ban-drop-column", 11),
        ("mixed-schema-and-data-migration", 12),
    ]


def test_django_concurrent_index_needs_atomic_false(repo: Repo) -> None:
    repo.write("shop/migrations/__init__.py", "").write(
        "shop/migrations/0001_initial.py", DJANGO.format(extra="", ops="").replace('[("shop", "0001_initial")]', "[]")
    )
    repo.commit().branch("feature")
    ops = '        AddIndexConcurrently(model_name="order", index=models.Index(fields=["created"], name="i")),'
    repo.write("shop/migrations/0002_index.py", DJANGO.format(extra="", ops=ops)).commit()
    assert rules_found(repo) == [("ban-concurrent-index-creation-in-transaction", 9)]
    repo.write("shop/migrations/0002_index.py", DJANGO.format(extra="    atomic = False\n", ops=ops)).commit()
    assert rules_found(repo) == []


def test_knex_sequelize_typeorm_laravel(repo: Repo) -> None:
    repo.commit("start").branch("feature")
    repo.write(
        "migrations/20240102000000_users.js",
        """exports.up = async function(knex) {
  await knex.schema.alterTable('users', (table) => {
    table.string('email').notNullable();
    table.index(['email']);
  });
};
exports.down = async function(knex) { await knex.schema.alterTable('users', (t) => t.dropColumn('email')); };
""",
    )
    repo.write(
        "seq/migrations/20240102000000-orders.js",
        """module.exports = {
  async up(queryInterface) {
    await queryInterface.addIndex('Orders', ['userId']);
    await queryInterface.renameColumn('Orders', 'total', 'amount');
  },
  async down(queryInterface) { await queryInterface.removeIndex('Orders', ['userId']); },
};
""",
    )
    repo.write(
        "src/migrations/1700000000000-Email.ts",
        """import { MigrationInterface, QueryRunner } from "typeorm"
export class Email1700000000000 implements MigrationInterface {
    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "IDX_email" ON "user" ("email") `)
    }
    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_email"`)
    }
}
""",
    )
    repo.write(
        "database/migrations/2024_01_02_000000_add_votes.php",
        """<?php
return new class extends Migration {
    public function up(): void
    {
        Schema::table('users', function (Blueprint $table) {
            $table->integer('votes');
            $table->string('nick')->nullable();
        });
    }
    public function down(): void
    {
        Schema::table('users', function (Blueprint $table) { $table->dropColumn(['votes', 'nick']); });
    }
};
""",
    )
    repo.commit()
    outcome = repo.check("--base", "main")
    assert [(r, p, line) for r, p, line in outcome.found if r in ZERO_DOWNTIME] == [
        ("adding-required-field", "database/migrations/2024_01_02_000000_add_votes.php", 6),
        ("adding-required-field", "migrations/20240102000000_users.js", 3),
        ("require-concurrent-index-creation", "migrations/20240102000000_users.js", 4),
        ("require-concurrent-index-creation", "seq/migrations/20240102000000-orders.js", 3),
        ("renaming-column", "seq/migrations/20240102000000-orders.js", 4),
        ("require-concurrent-index-creation", "src/migrations/1700000000000-Email.ts", 4),
    ]
    helps = {f["path"]: f["help"] for f in outcome.json["findings"] if f["rule"] == "require-concurrent-index-creation"}
    assert "knex.raw('CREATE INDEX CONCURRENTLY" in helps["migrations/20240102000000_users.js"]
    assert "concurrently: true" in helps["seq/migrations/20240102000000-orders.js"]


@pytest.mark.parametrize(
    ("name", "flagged"),
    [("0002_auto_20250101_1200.py", True), ("0002_add_order_status.py", False)],
)
def test_migration_naming(repo: Repo, name: str, flagged: bool) -> None:
    repo.write("shop/migrations/__init__.py", "").write(
        "shop/migrations/0001_initial.py", DJANGO.format(extra="", ops="").replace('[("shop", "0001_initial")]', "[]")
    )
    repo.commit().branch("feature").write(f"shop/migrations/{name}", DJANGO.format(extra="", ops="")).commit()
    found = [r for r, _p, _l in repo.check("--base", "main").found if r == "migration-naming"]
    assert found == (["migration-naming"] if flagged else [])


def test_naming_pattern_from_configuration(repo: Repo) -> None:
    sql_change(repo, "SELECT 1;", config="naming_pattern: '^\\d{5}_[a-z_]+\\.sql$'\n")
    repo.write(f"{M}/00003_AddThing.sql", goose("SELECT 1;")).commit()
    found = [(r, p) for r, p, _l in repo.check("--base", "main").found if r == "migration-naming"]
    assert found == [("migration-naming", f"{M}/00003_AddThing.sql")]


def test_text_report_shows_the_suggested_line(repo: Repo) -> None:
    sql_change(repo, "CREATE INDEX idx_users_email ON users (email);", no_transaction=True)
    out = repo.check("--base", "main", fmt="text").out
    assert "        suggested line: CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n" in out


@pytest.mark.parametrize(
    ("column", "ending"),
    [
        ("id", "rewrites the table under an ACCESS EXCLUSIVE lock."),
        ("email", "rewrites the table under an ACCESS EXCLUSIVE lock unless the change is catalog-only (the "
                  "column's type before it is not known here)."),
    ],
)  # fmt: skip
def test_a_type_change_hedges_only_when_the_type_before_is_unknown(repo: Repo, column: str, ending: str) -> None:
    """`id` is a bigint in the replayed history, so bigint -> int is known to rewrite; `email` was
    never seen, so the message says it could still be catalog-only."""
    sql_change(repo, f"ALTER TABLE users ALTER COLUMN {column} TYPE int;")
    assert repo.check("--base", "main").finding("changing-column-type")["message"].endswith(ending)
