"""Every front end feeds the one schema (``bot.core.schema``): a column restated by Alembic's
``alter_column`` without ``existing_type``, Knex's ``.alter()``, Laravel's ``->change()``,
Sequelize's ``changeColumn`` or TypeORM's ``queryRunner.query`` is judged against the column the
earlier migrations made. Widening a ``varchar`` is catalog-only (no finding); narrowing it or
changing its type rewrites the table (``changing-column-type``). In memory: text in, findings out."""

from __future__ import annotations

import pytest

from tests.in_memory import analysed, found

ALEMBIC_INI = "[alembic]\nscript_location = migrations\n"


def alembic(rev: str, parent: str | None, upgrade: str) -> str:
    return (
        f'"""step\n\nRevision ID: {rev}\nRevises: {parent or ""}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f"revision = {rev!r}\ndown_revision = {parent!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n    {upgrade}\n\n\ndef downgrade():\n    pass\n"
    )


def knex(up: str) -> str:
    return f"exports.up = function(knex) {{\n  return {up};\n}};\n\nexports.down = function(knex) {{\n  return knex.schema;\n}};\n"


def laravel(up: str) -> str:
    return (
        "<?php\n\nuse Illuminate\\Database\\Migrations\\Migration;\nuse Illuminate\\Database\\Schema\\Blueprint;\n"
        "use Illuminate\\Support\\Facades\\Schema;\n\nreturn new class extends Migration\n{\n"
        f"    public function up(): void\n    {{\n        {up}\n    }}\n\n"
        "    public function down(): void\n    {\n        Schema::dropIfExists('x');\n    }\n};\n"
    )


def sequelize(up: str) -> str:
    return (
        "'use strict';\n\nmodule.exports = {\n"
        f"  async up(queryInterface, Sequelize) {{\n    await {up};\n  }},\n\n"
        "  async down(queryInterface, Sequelize) {\n    await queryInterface.dropTable('x');\n  }\n};\n"
    )


def typeorm(name: str, up: str) -> str:
    return (
        'import { MigrationInterface, QueryRunner } from "typeorm"\n\n'
        f"export class {name} implements MigrationInterface {{\n"
        f"    public async up(queryRunner: QueryRunner): Promise<void> {{\n        await queryRunner.query(`{up}`)\n    }}\n\n"
        "    public async down(queryRunner: QueryRunner): Promise<void> {\n"
        '        await queryRunner.query(`DROP TABLE "x"`)\n    }\n}\n'
    )


#: per front end: the base (a table whose `name` is varchar(50)), then the path of the change and
#: the text that restates `name` as the given type
CASES = {
    "alembic": (
        {"alembic.ini": ALEMBIC_INI, "migrations/env.py": "from alembic import context\n",
         "migrations/versions/1a_users.py": alembic("1a", None, 'op.create_table("users", sa.Column("id", sa.Integer()), '
                                                    'sa.Column("name", sa.String(50)))')},
        "migrations/versions/2b_alter.py",
        lambda t: alembic("2b", "1a", f'op.alter_column("users", "name", type_={t})'),
        {"wider": "sa.String(100)", "text": "sa.Text()", "narrower": "sa.String(20)", "other": "sa.Integer()"},
    ),
    "knex": (
        {"migrations/20240101000000_users.js": knex(
            "knex.schema.createTable('users', (t) => {\n    t.increments('id');\n    t.string('name', 50);\n  })")},
        "migrations/20240102000000_alter.js",
        lambda t: knex(f"knex.schema.alterTable('users', (t) => {{\n    t.{t}.alter();\n  }})"),
        {"wider": "string('name', 100)", "text": "text('name')", "narrower": "string('name', 20)",
         "other": "integer('name')"},
    ),
    "laravel": (
        {"database/migrations/2024_01_01_000000_create_users_table.php": laravel(
            "Schema::create('users', function (Blueprint $table) {\n            $table->id();\n"
            "            $table->string('name', 50);\n        });")},
        "database/migrations/2024_01_02_000000_alter_users_table.php",
        lambda t: laravel(f"Schema::table('users', function (Blueprint $table) {{\n            $table->{t}->change();\n        }});"),
        {"wider": "string('name', 100)", "text": "text('name')", "narrower": "string('name', 20)",
         "other": "integer('name')"},
    ),
    "sequelize": (
        {"migrations/20240101000000-create-users.js": sequelize(
            "queryInterface.createTable('users', {\n      id: { type: Sequelize.INTEGER, primaryKey: true },\n"
            "      name: { type: Sequelize.STRING(50) },\n    })")},
        "migrations/20240102000000-alter-users.js",
        lambda t: sequelize(f"queryInterface.changeColumn('users', 'name', {{ type: {t} }})"),
        {"wider": "Sequelize.STRING(100)", "text": "Sequelize.TEXT", "narrower": "Sequelize.STRING(20)",
         "other": "Sequelize.INTEGER"},
    ),
    "typeorm": (
        {"src/migrations/1700000000000-CreateUsers.ts": typeorm(
            "CreateUsers1700000000000", 'CREATE TABLE "users" ("id" SERIAL NOT NULL, "name" character varying(50))')},
        "src/migrations/1700000100000-AlterUsers.ts",
        lambda t: typeorm("AlterUsers1700000100000", f'ALTER TABLE "users" ALTER COLUMN "name" TYPE {t}'),
        {"wider": "character varying(100)", "text": "text", "narrower": "character varying(20)", "other": "integer"},
    ),
}  # fmt: skip


def changing(tool: str, change: str) -> list[tuple[str, str, int]]:
    base, path, text, types = CASES[tool]
    return [f for f in found(base, {path: text(types[change])}) if f[0] == "changing-column-type"]


@pytest.mark.parametrize("tool", sorted(CASES))
@pytest.mark.parametrize("change", ["wider", "text"])
def test_a_widened_column_is_catalog_only(tool: str, change: str) -> None:
    assert changing(tool, change) == []


@pytest.mark.parametrize("tool", sorted(CASES))
@pytest.mark.parametrize("change", ["narrower", "other"])
def test_a_narrowed_or_retyped_column_rewrites_the_table(tool: str, change: str) -> None:
    found_ = changing(tool, change)
    assert [f[0] for f in found_] == ["changing-column-type"]
    assert found_[0][1] == CASES[tool][1]


@pytest.mark.parametrize("tool", sorted(CASES))
def test_without_the_earlier_migration_the_change_is_reported(tool: str) -> None:
    """Nothing replayed says what the column was: judged conservatively, as a rewrite."""
    _base, path, text, types = CASES[tool]
    extra = {k: v for k, v in _base.items() if not k.endswith((".js", ".php", ".ts")) and "versions" not in k}
    if tool == "alembic":
        text = lambda t: alembic("2b", None, f'op.alter_column("users", "name", type_={t})')  # noqa: E731
    assert [f[0] for f in found(extra, {path: text(types["wider"])}) if f[0] == "changing-column-type"] == [
        "changing-column-type"
    ]


def test_the_judgement_says_what_the_column_was() -> None:
    base, path, text, types = CASES["laravel"]
    cs = analysed(base, {path: text(types["narrower"])})
    op = next(o for o in cs.analysed[path].operations if o.column == "name")
    assert op.detail == "$table->string()->change() from varchar(50) to varchar(20)"
    assert op.known_rewrite


TASTE_RULES = ("prefer-text-field", "prefer-bigint-over-int", "prefer-timestamp-tz", "ban-char-field", "prefer-identity")
TASTE = "rules:\n" + "".join(f"  {r}: notice\n" for r in TASTE_RULES)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("migrations/20240101000000_t.js",
         knex("knex.schema.createTable('t', (t) => {\n    t.increments('id');\n    t.string('a', 50);\n    t.text('b');\n"
              "    t.bigInteger('n');\n    t.timestamp('at');\n  })"),
         ["prefer-bigint-over-int", "prefer-identity", "prefer-text-field"]),  # increments is serial (4 bytes);
        # Knex's timestamp is timestamptz on PostgreSQL
        ("database/migrations/2024_01_01_000000_create_t_table.php",
         laravel("Schema::create('t', function (Blueprint $table) {\n            $table->id();\n"
                 "            $table->char('c', 2);\n            $table->integer('n');\n            $table->timestampTz('a');\n"
                 "            $table->timestamp('at');\n        });"),
         ["ban-char-field", "prefer-bigint-over-int", "prefer-identity", "prefer-timestamp-tz"]),
        ("migrations/20240101000000-create-t.js",
         sequelize("queryInterface.createTable('t', {\n      id: { type: Sequelize.BIGINT },\n"
                   "      a: { type: Sequelize.STRING(40) },\n      b: { type: Sequelize.TEXT },\n    })"),
         ["prefer-text-field"]),
    ],
)  # fmt: skip
def test_the_type_rules_read_the_schema_builders_columns(path: str, text: str, expected: list[str]) -> None:
    """Knex, Laravel and Sequelize columns now have types, so the rules of taste read them too."""
    assert sorted({f[0] for f in found({}, {path: text}, TASTE) if f[0] in TASTE_RULES}) == expected


def test_a_laravel_column_made_not_nullable_is_set_not_null() -> None:
    """koel 2024_01_16_223632: `->nullable(false)->change()` scans the table under its strongest lock."""
    base, path, _text, _types = CASES["laravel"]
    nullable = {p: t.replace("$table->string('name', 50);", "$table->string('name', 50)->nullable();") for p, t in base.items()}
    assert nullable != base
    change = laravel("Schema::table('users', function (Blueprint $table) {\n"
                     "            $table->string('name', 50)->nullable(false)->change();\n        });")  # fmt: skip
    rules = ("adding-not-nullable-field", "changing-column-type")
    assert [f[0] for f in found(nullable, {path: change}) if f[0] in rules] == ["adding-not-nullable-field"]
    # a Laravel column is NOT NULL unless made nullable: restating it changes nothing
    assert [f[0] for f in found(base, {path: change}) if f[0] in rules] == []


def test_sequelize_calls_inside_a_transaction_callback_are_read() -> None:
    """outline writes 47 of its 301 migrations inside `sequelize.transaction(async (t) => {...})`."""
    base, path, _text, _types = CASES["sequelize"]
    wrapped = sequelize("queryInterface.sequelize.transaction(async (transaction) => {\n"
                        "      await queryInterface.changeColumn('users', 'name', { type: Sequelize.STRING(20) }, { transaction });\n"
                        "    })")  # fmt: skip
    assert [f[0] for f in found(base, {path: wrapped}) if f[0] == "changing-column-type"] == ["changing-column-type"]


GOOSE_DIR = "db/migrations"


def goose(up: str) -> str:
    return f"-- +goose Up\n{up}\n-- +goose Down\nSELECT 1;\n"


SQL_BASE = {f"{GOOSE_DIR}/00001_users.sql": goose("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);")}


@pytest.mark.parametrize(("column", "expected"), [("email", []), ("name", ["adding-not-nullable-field"]), ("id", [])])
def test_set_not_null_on_a_column_already_not_null_is_no_scan(column: str, expected: list[str]) -> None:
    """PostgreSQL does nothing for SET NOT NULL on a NOT NULL column (a primary key's too)."""
    change = {f"{GOOSE_DIR}/00002_nn.sql": goose(f"ALTER TABLE users ALTER COLUMN {column} SET NOT NULL;")}
    assert [f[0] for f in found(SQL_BASE, change) if f[0] == "adding-not-nullable-field"] == expected


def test_a_sequelize_change_column_restating_not_null_is_no_scan() -> None:
    """outline restates `allowNull: false` in `changeColumn` on columns created NOT NULL."""
    base = {"migrations/20240101000000-create-users.js": sequelize(
        "queryInterface.createTable('users', {\n      id: { type: Sequelize.INTEGER, primaryKey: true },\n"
        "      name: { type: Sequelize.STRING(50), allowNull: false },\n      bio: { type: Sequelize.STRING(50) },\n    })")}  # fmt: skip
    path = "migrations/20240102000000-alter-users.js"
    restate = sequelize("queryInterface.changeColumn('users', 'name', { type: Sequelize.STRING(100), allowNull: false })")
    tighten = sequelize("queryInterface.changeColumn('users', 'bio', { type: Sequelize.STRING(100), allowNull: false })")
    assert [f[0] for f in found(base, {path: restate}) if f[0] == "adding-not-nullable-field"] == []
    assert [f[0] for f in found(base, {path: tighten}) if f[0] == "adding-not-nullable-field"] == ["adding-not-nullable-field"]


def test_a_column_this_change_adds_may_be_renamed_or_dropped() -> None:
    """No deployed code reads a column the same pull request adds (lemmy renamed one two migrations later)."""
    change = {
        f"{GOOSE_DIR}/00002_add.sql": goose("ALTER TABLE users ADD COLUMN reason text;"),
        f"{GOOSE_DIR}/00003_rename.sql": goose("ALTER TABLE users RENAME reason TO conclusion;\nALTER TABLE users RENAME name TO full_name;"),
        f"{GOOSE_DIR}/00004_drop.sql": goose("ALTER TABLE users DROP COLUMN conclusion;\nALTER TABLE users DROP COLUMN email;"),
    }
    hits = [(f[0], f[1].rpartition("/")[2], f[2]) for f in found(SQL_BASE, change) if f[0] in ("renaming-column", "ban-drop-column")]
    assert hits == [("renaming-column", "00003_rename.sql", 3), ("ban-drop-column", "00004_drop.sql", 3)]


def test_a_dropped_constraint_takes_the_lock_the_timeout_is_for() -> None:
    change = {f"{GOOSE_DIR}/00002_check.sql": goose("ALTER TABLE users DROP CONSTRAINT users_email_check;\n"
                                                    "ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> '') NOT VALID;")}  # fmt: skip
    assert [f[2] for f in found(SQL_BASE, change) if f[0] == "require-lock-timeout"] == [2]


SEQUELIZE_BASE = {"migrations/20240101000000-create-users.js": sequelize(
    "queryInterface.createTable('users', {\n      id: { type: Sequelize.INTEGER, primaryKey: true },\n"
    "      name: { type: Sequelize.STRING(50), allowNull: false },\n      bio: { type: Sequelize.STRING(50) },\n"
    "      team_id: { type: Sequelize.INTEGER },\n    })")}  # fmt: skip
SEQUELIZE_CHANGE = "migrations/20240102000000-alter-users.js"


def sequelize_rules(change: str, *rules: str) -> list[str]:
    return [f[0] for f in found(SEQUELIZE_BASE, {SEQUELIZE_CHANGE: sequelize(change)}) if f[0] in rules]


def test_a_sequelize_change_column_with_references_adds_a_foreign_key_not_a_type() -> None:
    """Sequelize writes `ADD FOREIGN KEY` for it, and no `TYPE` (outline: 14 such calls read as type changes)."""
    change = "queryInterface.changeColumn('users', 'team_id', { type: Sequelize.INTEGER, references: { model: 'teams' } })"
    assert sequelize_rules(change, "adding-foreign-key-constraint", "changing-column-type") == ["adding-foreign-key-constraint"]


def test_a_sequelize_change_column_without_allow_null_false_drops_not_null() -> None:
    """Without `allowNull: false` Sequelize writes `DROP NOT NULL`: said where the column was NOT NULL."""
    widen_name = "queryInterface.changeColumn('users', 'name', { type: Sequelize.STRING(100) })"
    widen_bio = "queryInterface.changeColumn('users', 'bio', { type: Sequelize.STRING(100) })"
    assert sequelize_rules(widen_name, "ban-drop-not-null", "changing-column-type") == ["ban-drop-not-null"]
    assert sequelize_rules(widen_bio, "ban-drop-not-null", "changing-column-type") == []


def test_sql_in_a_constant_declared_in_up_and_in_down_is_read() -> None:
    """outline writes `const searchDocument = `...`` in both `up` and `down`: each use reads the
    binding of its own function (it was "SQL built at run time", and the schema was forgotten)."""
    text = ("'use strict';\n\nmodule.exports = {\n  async up(queryInterface) {\n"
            "    const sql = `ALTER TABLE users RENAME COLUMN bio TO about`;\n    await queryInterface.sequelize.query(sql);\n  },\n"
            "  async down(queryInterface) {\n    const sql = `ALTER TABLE users RENAME COLUMN about TO bio`;\n"
            "    await queryInterface.sequelize.query(sql);\n  },\n};\n")  # fmt: skip
    hits = [f[0] for f in found(SEQUELIZE_BASE, {SEQUELIZE_CHANGE: text}) if f[0] in ("renaming-column", "sql-not-analysed")]
    assert hits == ["renaming-column"]


def test_sql_built_at_run_time_forgets_only_the_tables_its_static_text_names() -> None:
    """outline: `alter table "${tableName}" drop constraint "${constraintName}"` (a constant table,
    a loop's constraint) forgot the whole schema; now only `team_domains`."""
    runtime = ("'use strict';\nconst tableName = 'team_domains';\nmodule.exports = {\n  async up(queryInterface) {\n"
               "    for (const name of ['a', 'b']) {\n"
               "      await queryInterface.sequelize.query(`alter table \"${tableName}\" drop constraint \"${name}\"`);\n"
               "    }\n  },\n  async down() {},\n};\n")  # fmt: skip
    anywhere = runtime.replace('"${tableName}"', '"${name}"')
    assert anywhere != runtime
    widen = {"migrations/20240103000000-widen.js": sequelize(
        "queryInterface.changeColumn('users', 'bio', { type: Sequelize.STRING(100), allowNull: true })")}  # fmt: skip
    for text, expected in ((runtime, []), (anywhere, ["changing-column-type"])):
        added = {"migrations/20240102000000-runtime.js": text, **widen}
        assert [f[0] for f in found(SEQUELIZE_BASE, added) if f[0] == "changing-column-type"] == expected


KNEX_BASE = {"migrations/20240101000000_users.js": knex(
    "knex.schema.createTable('users', (t) => {\n    t.increments('id');\n    t.string('name', 50).notNullable();\n"
    "    t.string('bio', 50);\n  })")}  # fmt: skip


def knex_rules(change: str, *rules: str) -> list[str]:
    added = {"migrations/20240102000000_alter.js": knex(f"knex.schema.alterTable('users', (t) => {{\n    t.{change};\n  }})")}
    return [f[0] for f in found(KNEX_BASE, added) if f[0] in rules]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # Knex drops NOT NULL and sets it again: PostgreSQL checks every row, even of a NOT NULL column
        ("string('name', 100).notNullable().alter()", ["adding-not-nullable-field"]),
        ("string('bio', 100).notNullable().alter()", ["adding-not-nullable-field"]),
        # without notNullable() Knex leaves the column nullable: said where it was NOT NULL
        ("string('name', 100).alter()", ["ban-drop-not-null"]),
        ("string('bio', 100).alter()", []),
    ],
)
def test_a_knex_alter_restates_the_column_as_knex_writes_it(change: str, expected: list[str]) -> None:
    assert knex_rules(change, "adding-not-nullable-field", "ban-drop-not-null") == expected


def test_a_js_name_given_values_in_straight_line_code_holds_the_last_one_before_its_use() -> None:
    """outline's missing-cascades: `let tableName; tableName = "a"; query(`...${tableName}...`);
    tableName = "b"; ...`: each query is read with the value given just before it; a name given a
    value in a branch is not known."""
    def migration(body: str) -> str:
        return f"'use strict';\nmodule.exports = {{\n  async up(queryInterface) {{\n{body}  }},\n  async down() {{}},\n}};\n"

    query = "    await queryInterface.sequelize.query(`ALTER TABLE \"${table}\" RENAME COLUMN bio TO about`);\n"
    straight = "    let table;\n    table = 'teams';\n    table = 'users';\n" + query
    branched = "    let table = 'teams';\n    if (process.env.X) { table = 'users'; }\n" + query
    rules = ("renaming-column", "sql-not-analysed")
    assert [f[0] for f in found(SEQUELIZE_BASE, {SEQUELIZE_CHANGE: migration(straight)}) if f[0] in rules] == ["renaming-column"]
    assert [f[0] for f in found(SEQUELIZE_BASE, {SEQUELIZE_CHANGE: migration(branched)}) if f[0] in rules] == ["sql-not-analysed"]



@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("CREATE VIEW collection_groups AS SELECT * FROM group_permissions;", []),  # the old name still answers
        ("CREATE MATERIALIZED VIEW collection_groups AS SELECT * FROM group_permissions;", ["renaming-table"]),
        ("CREATE VIEW other AS SELECT * FROM group_permissions;", ["renaming-table"]),
        ("", ["renaming-table"]),
    ],
)
def test_a_table_renamed_with_a_view_left_under_its_old_name_is_not_reported(after: str, expected: list[str]) -> None:
    """outline renames collection_groups and creates a view under the old name in the same transaction."""
    base = {f"{GOOSE_DIR}/00001_groups.sql": goose("CREATE TABLE collection_groups (id bigint);")}
    change = {f"{GOOSE_DIR}/00002_rename.sql": goose(f"ALTER TABLE collection_groups RENAME TO group_permissions;\n{after}")}
    assert [f[0] for f in found(base, change) if f[0] == "renaming-table"] == expected


def rails(version: str, body: str, ddl_transaction: bool = True) -> tuple[str, str]:
    name = f"Step{version}"
    off = "" if ddl_transaction else "  disable_ddl_transaction!\n\n"
    return (f"db/migrate/{version}_step{version}.rb",
            f"class {name} < ActiveRecord::Migration[7.1]\n{off}  def change\n    {body}\n  end\nend\n")  # fmt: skip


#: per front end: the history (a table, a `CHECK (email IS NOT NULL) NOT VALID`, its validation
#: in a later deploy), the migration that drops the constraint instead, and the change that sets
#: NOT NULL: the three deploys PostgreSQL's documentation and strong_migrations advise
NOT_NULL_PROVEN = {
    "sql": (
        [(f"{GOOSE_DIR}/00001_users.sql", goose("CREATE TABLE users (id bigint PRIMARY KEY, email text);")),
         (f"{GOOSE_DIR}/00002_check.sql", goose("ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;")),
         (f"{GOOSE_DIR}/00003_validate.sql", goose("ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;"))],
        (f"{GOOSE_DIR}/00003_validate.sql", goose("ALTER TABLE users DROP CONSTRAINT users_email_nn;")),
        (f"{GOOSE_DIR}/00004_not_null.sql", goose("ALTER TABLE users ALTER COLUMN email SET NOT NULL;")),
    ),
    "rails": (
        [rails("20240101000000", "create_table :users do |t|\n      t.string :email\n    end"),
         rails("20240102000000", 'add_check_constraint :users, "email IS NOT NULL", name: "users_email_null", validate: false'),
         rails("20240103000000", 'validate_check_constraint :users, name: "users_email_null"')],
        rails("20240103000000", 'remove_check_constraint :users, name: "users_email_null"'),
        rails("20240104000000", "change_column_null :users, :email, false"),
    ),
    "alembic": (
        [("migrations/versions/1a_users.py", alembic("1a", None, 'op.create_table("users", sa.Column("id", sa.Integer()), sa.Column("email", sa.Text()))')),
         ("migrations/versions/2b_check.py", alembic("2b", "1a", 'op.create_check_constraint("users_email_nn", "users", "email IS NOT NULL", postgresql_not_valid=True)')),
         ("migrations/versions/3c_validate.py", alembic("3c", "2b", 'op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_email_nn")'))],
        ("migrations/versions/3c_validate.py", alembic("3c", "2b", 'op.drop_constraint("users_email_nn", "users", type_="check")')),
        ("migrations/versions/4d_not_null.py", alembic("4d", "3c", 'op.alter_column("users", "email", nullable=False)')),
    ),
}  # fmt: skip


def _not_null_findings(tool: str, history: list[tuple[str, str]]) -> list[str]:
    _full, _drop, (path, text) = NOT_NULL_PROVEN[tool]
    base = dict(history)
    if tool == "alembic":
        base["alembic.ini"] = ALEMBIC_INI
    return [f"{f[1]}:{f[2]}" for f in found(base, {path: text}) if f[0] == "adding-not-nullable-field"]


@pytest.mark.parametrize("tool", sorted(NOT_NULL_PROVEN))
def test_set_not_null_after_a_check_validated_in_an_earlier_deploy_is_no_scan(tool: str) -> None:
    """PostgreSQL 12+ proves NOT NULL from a valid CHECK (col IS NOT NULL): no scan, no finding."""
    assert _not_null_findings(tool, NOT_NULL_PROVEN[tool][0]) == []


@pytest.mark.parametrize("tool", sorted(NOT_NULL_PROVEN))
def test_set_not_null_after_a_check_never_validated_or_dropped_scans(tool: str) -> None:
    history, drop, (path, _text) = NOT_NULL_PROVEN[tool]
    line = {"sql": 2, "rails": 3, "alembic": 16}[tool]
    assert _not_null_findings(tool, history[:2]) == [f"{path}:{line}"]  # NOT VALID, never validated
    assert _not_null_findings(tool, [*history[:2], drop]) == [f"{path}:{line}"]  # validated, then dropped
