"""Rails, Knex, Sequelize, TypeORM and Laravel: real git repositories, generator output, hand edits."""

from __future__ import annotations

import pytest

from tests.gitrepo_factory import Repo

# -- Rails -------------------------------------------------------------------------------


def rails(name: str, body: str, version: str = "7.1") -> str:
    """What `rails generate migration` writes, with the body filled in."""
    camel = "".join(p.capitalize() for p in name.split("_"))
    return f"class {camel} < ActiveRecord::Migration[{version}]\n{body}end\n"


CHANGE_OK = "  def change\n    add_column :orders, :status, :string\n  end\n"


def rails_app(repo: Repo) -> Repo:
    repo.write("db/migrate/20240101000000_create_orders.rb", rails("create_orders", CHANGE_OK))
    return repo.commit("orders")


def test_rails_same_timestamp_on_two_branches(repo: Repo) -> None:
    rails_app(repo).branch("feature")
    repo.write("db/migrate/20240105120000_add_status_to_orders.rb", rails("add_status_to_orders", CHANGE_OK)).commit()
    repo.checkout("main")
    repo.write("db/post_migrate/20240105120000_backfill_totals.rb", rails("backfill_totals", CHANGE_OK)).commit()
    repo.checkout("feature")
    outcome = repo.check("--base", "main")
    assert outcome.found == [("duplicate-migration-version", "db/migrate/20240105120000_add_status_to_orders.rb", 1)]
    f = outcome.json["findings"][0]
    assert "`db/post_migrate/20240105120000_backfill_totals.rb` (on main)" in f["message"]
    assert "`db/migrate/20240105120001_add_status_to_orders.rb`" in f["help"]


def test_rails_databases_have_their_own_versions(repo: Repo) -> None:
    rails_app(repo).branch("feature")
    repo.write("db/animals_migrate/20240101000000_create_dogs.rb", rails("create_dogs", CHANGE_OK)).commit()
    assert repo.check("--base", "main").found == []


def test_rails_out_of_order(repo: Repo) -> None:
    rails_app(repo).branch("feature")
    repo.write("db/migrate/20240102000000_add_a.rb", rails("add_a", CHANGE_OK)).commit()
    repo.checkout("main").write("db/migrate/20240103000000_add_b.rb", rails("add_b", CHANGE_OK)).commit()
    repo.checkout("feature")
    f = repo.check("--base", "main").finding("migration-out-of-order")
    assert f["path"] == "db/migrate/20240102000000_add_a.rb" and "Rails runs it after the newer one" in f["message"]


def test_rails_class_name_must_match_file_name(repo: Repo) -> None:
    rails_app(repo).branch("feature")
    repo.write("db/migrate/20240102000000_add_status.rb", rails("add_state", CHANGE_OK)).commit()
    outcome = repo.check("--base", "main")
    assert outcome.found == [("unparsable-migration", "db/migrate/20240102000000_add_status.rb", 1)]
    assert (
        "class `AddState` does not match the file name: Rails expects `AddStatus`"
        in outcome.json["findings"][0]["message"]
    )


def test_rails_up_without_down_even_if_a_comment_mentions_it(repo: Repo) -> None:
    rails_app(repo).branch("feature")
    body = (
        "  # def down\n"
        "  #   remove_column :orders, :status\n"
        "  # end\n"
        "  DOWN = 'def down; end'\n"
        "  def up\n"
        "    execute \"UPDATE orders SET status = 'new'\"\n"
        "  end\n"
    )
    repo.write("db/migrate/20240102000000_backfill_status.rb", rails("backfill_status", body)).commit()
    outcome = repo.check("--base", "main")
    assert outcome.found == [("missing-rollback", "db/migrate/20240102000000_backfill_status.rb", 6)]
    assert "has `up` without `down`" in outcome.json["findings"][0]["message"]


def test_rails_irreversible_down_is_a_warning(repo: Repo) -> None:
    rails_app(repo).branch("feature")
    body = (
        "  def up\n    drop_table :legacy\n  end\n\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\n"
    )
    repo.write("db/migrate/20240102000000_drop_legacy.rb", rails("drop_legacy", body)).commit()
    outcome = repo.check("--base", "main")
    assert outcome.found == [
        ("ban-drop-table", "db/migrate/20240102000000_drop_legacy.rb", 3),
        ("missing-rollback", "db/migrate/20240102000000_drop_legacy.rb", 7),
    ]
    assert outcome.finding("missing-rollback")["severity"] == "warning" and outcome.code == 0


def test_rails_irreversible_calls_in_change(repo: Repo) -> None:
    rails_app(repo).branch("feature")
    body = """  def change
    add_column :orders, :note, :text
    remove_column :orders, :legacy
    remove_column :orders, :legacy2, :string
    reversible do |dir|
      dir.up { execute "UPDATE orders SET note = ''" }
      dir.down { execute "UPDATE orders SET note = NULL" }
    end
    change_column_default :orders, :status, from: nil, to: "new"
    change_column_default :orders, :total, 0
    remove_index :orders, name: :index_orders_on_legacy
    drop_table :audits
    change_table :orders do |t|
      t.remove :old_total
      t.change :total, :decimal
      t.string :currency
    end
  end
"""
    repo.write("db/migrate/20240102000000_rework_orders.rb", rails("rework_orders", body)).commit()
    outcome = repo.check("--base", "main")
    path = "db/migrate/20240102000000_rework_orders.rb"
    rollback = [f for f in outcome.json["findings"] if f["rule"] == "missing-rollback"]
    assert [(f["line"], f["message"].split(": it ", 1)[1]) for f in rollback] == [
        (4, "calls `remove_column` without the column type."),
        (11, "calls `change_column_default` without `from:` and `to:`."),
        (12, "calls `remove_index` without the column."),
        (13, "calls `drop_table` without a block describing the table."),
        (15, "calls `t.remove` in `change_table` without the column type."),
        (16, "calls `t.change` in `change_table` (the previous type is unknown; use `up`/`down`)."),
    ]
    assert {f["path"] for f in rollback} == {path}


def test_rails_syntax_error_and_suppression(repo: Repo) -> None:
    rails_app(repo).branch("feature")
    repo.write("db/migrate/20240102000000_broken.rb", "class Broken < ActiveRecord::Migration[7.1]\n  def change\n")
    suppressed = (
        "  # migration-guard: ignore missing-rollback data fix, re-run by hand\n  def up\n    execute 'x'\n  end\n"
    )
    repo.write("db/migrate/20240103000000_fix_data.rb", rails("fix_data", suppressed)).commit()
    outcome = repo.check("--base", "main")
    assert [f[:2] for f in outcome.found] == [("unparsable-migration", "db/migrate/20240102000000_broken.rb")]
    assert "ruby syntax error" in outcome.json["findings"][0]["message"]


# -- Knex --------------------------------------------------------------------------------

KNEX_SKELETON = """/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.up = function(knex) {
  return knex.schema.createTable('{t}', (table) => {
    table.increments('id');
  });
};

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.down = function(knex) {
{down}
};
"""


def knex(table: str, down: str = "  return knex.schema.dropTable('{t}');") -> str:
    return KNEX_SKELETON.replace("{down}", down).replace("{t}", table)


def test_knex_generated_skeleton_with_empty_down(repo: Repo) -> None:
    repo.write("migrations/20240101000000_users.js", knex("users")).commit().branch("feature")
    repo.write("migrations/20240102000000_orders.js", knex("orders", down="  ")).commit()
    outcome = repo.check("--base", "main")
    assert outcome.found == [("missing-rollback", "migrations/20240102000000_orders.js", 15)]
    assert outcome.json["findings"][0]["framework"] == "knex"


def test_knex_esm_typescript_and_directory_from_knexfile(repo: Repo) -> None:
    repo.write(
        "knexfile.ts",
        "export default {\n  client: 'pg',\n  migrations: { directory: './db/migrations', extension: 'ts' },\n};\n",
    )
    repo.write("db/migrations/20240101000000_users.ts", knex("users")).commit().branch("feature")
    repo.write(
        "db/migrations/20240102000000_orders.ts",
        "import type { Knex } from 'knex';\n\n"
        "// export async function down() would drop the table\n"
        "export async function up(knex: Knex): Promise<void> {\n  await knex.schema.createTable('orders', () => {});\n}\n",
    )
    repo.write(
        "db/migrations/20240103000000_items.mjs",
        "export async function up(knex) { await knex.raw('select 1'); }\nexport async function down(knex) { await knex.raw('select 2'); }\n",
    )
    repo.write("db/migrations/20240104000000_broken.ts", "export async function up(knex: Knex {\n")
    repo.commit()
    outcome = repo.check("--base", "main")
    assert outcome.found == [
        ("missing-rollback", "db/migrations/20240102000000_orders.ts", 4),
        ("unparsable-migration", "db/migrations/20240104000000_broken.ts", 1),
    ]
    assert "exports no `down` function" in outcome.json["findings"][0]["message"]


def test_knex_suppression_in_a_js_comment(repo: Repo) -> None:
    repo.write("migrations/20240101000000_users.js", knex("users")).commit().branch("feature")
    text = knex("orders", down="  // nothing").replace(
        "exports.down", "// migration-guard: ignore missing-rollback orders are never dropped\nexports.down"
    )
    repo.write("migrations/20240102000000_orders.js", text).commit()
    assert repo.check("--base", "main").found == []


# -- Sequelize ---------------------------------------------------------------------------

SEQUELIZE_SKELETON = """'use strict';

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up (queryInterface, Sequelize) {
    await queryInterface.createTable('Users', { id: { type: Sequelize.INTEGER, primaryKey: true } });
  },

  async down (queryInterface, Sequelize) {
    /**
     * Add reverting commands here.
     *
     * Example:
     * await queryInterface.dropTable('users');
     */
  }
};
"""


def test_sequelize_generated_skeleton_and_sequelizerc(repo: Repo) -> None:
    repo.write(
        ".sequelizerc",
        "const path = require('path');\n\nmodule.exports = {\n  'migrations-path': path.resolve('db', 'migrations'),\n};\n",
    )
    good = SEQUELIZE_SKELETON.replace(
        "    /**\n     * Add reverting commands here.\n     *\n     * Example:\n     * await", "    await"
    ).replace("     */\n", "")
    repo.write("db/migrations/20240101000000-create-users.js", good).commit().branch("feature")
    repo.write("db/migrations/20240102000000-create-orders.js", SEQUELIZE_SKELETON)
    repo.write(
        "db/migrations/20240103000000-add-index.ts",
        "import type { QueryInterface } from 'sequelize';\n\nexport default {\n"
        "  up: async (queryInterface: QueryInterface) => { await queryInterface.addIndex('Users', ['email']); },\n"
        "  down: async (queryInterface: QueryInterface) => queryInterface.removeIndex('Users', ['email']),\n};\n",
    )
    repo.commit()
    outcome = repo.check("--base", "main")
    assert outcome.found_for("missing-rollback") == [
        ("missing-rollback", "db/migrations/20240102000000-create-orders.js", 9)
    ]
    assert outcome.finding("missing-rollback")["framework"] == "sequelize"


def test_sequelize_out_of_order(repo: Repo) -> None:
    repo.write(
        "migrations/20240101000000-a.js", SEQUELIZE_SKELETON.replace("/**", "await queryInterface.dropTable('x'); /**")
    ).commit()
    repo.branch("feature").write(
        "migrations/20240102000000-b.js", SEQUELIZE_SKELETON.replace("/**", "await q.x(); /**")
    ).commit()
    repo.checkout("main").write(
        "migrations/20240103000000-c.js", SEQUELIZE_SKELETON.replace("/**", "await q.y(); /**")
    ).commit()
    repo.checkout("feature")
    assert repo.check("--base", "main").found == [("migration-out-of-order", "migrations/20240102000000-b.js", 1)]


# -- TypeORM -----------------------------------------------------------------------------

TYPEORM = """import {{ MigrationInterface, QueryRunner }} from "typeorm"

export class {name} implements MigrationInterface {{
    name = '{name}'

    public async up(queryRunner: QueryRunner): Promise<void> {{
        await queryRunner.query(`CREATE TABLE "user" ("id" SERIAL NOT NULL)`)
    }}

    public async down(queryRunner: QueryRunner): Promise<void> {{
{down}
    }}

}}
"""


def typeorm(name: str, down: str = '        await queryRunner.query(`DROP TABLE "user"`)') -> str:
    return TYPEORM.format(name=name, down=down)


def test_typeorm_empty_down_duplicate_and_order(repo: Repo) -> None:
    repo.write("src/migrations/1700000000000-CreateUser.ts", typeorm("CreateUser1700000000000")).commit()
    repo.branch("feature")
    repo.write("src/migrations/1700000100000-AddEmail.ts", typeorm("AddEmail1700000100000", down=""))
    repo.write("src/migrations/1700000300000-AddName.ts", typeorm("CreateUser1700000000000"))
    repo.write("src/migrations/1700000400000-Bad.ts", typeorm("AddAge"))
    repo.commit()
    repo.checkout("main").write("src/migrations/1700000200000-AddPhone.ts", typeorm("AddPhone1700000200000")).commit()
    repo.checkout("feature")
    outcome = repo.check("--base", "main")
    assert outcome.found == [
        ("migration-out-of-order", "src/migrations/1700000100000-AddEmail.ts", 3),
        ("missing-rollback", "src/migrations/1700000100000-AddEmail.ts", 10),
        ("duplicate-migration-version", "src/migrations/1700000300000-AddName.ts", 3),
        ("migration-out-of-order", "src/migrations/1700000300000-AddName.ts", 3),
        ("unparsable-migration", "src/migrations/1700000400000-Bad.ts", 3),
    ]
    assert "must end with a 13-digit timestamp" in outcome.json["findings"][-1]["message"]


def test_typeorm_helpers_in_the_migrations_folder_are_not_migrations(repo: Repo) -> None:
    repo.commit("start").branch("feature")
    repo.write("src/migrations/index.ts", "export * from './1700000000000-CreateUser';\n")
    repo.write("src/migrations/1700000000000-CreateUser.ts", typeorm("CreateUser1700000000000")).commit()
    assert repo.check("--base", "main").found == []


# -- Laravel -----------------------------------------------------------------------------

LARAVEL_CREATE = """<?php

use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

return new class extends Migration
{
    /**
     * Run the migrations.
     */
    public function up(): void
    {
        Schema::create('flights', function (Blueprint $table) {
            $table->id();
            $table->timestamps();
        });
    }

    /**
     * Reverse the migrations.
     */
    public function down(): void
    {
        Schema::dropIfExists('flights');
    }
};
"""

LARAVEL_TABLE_SKELETON = """<?php

use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

return new class extends Migration
{
    /**
     * Run the migrations.
     */
    public function up(): void
    {
        Schema::table('users', function (Blueprint $table) {
            $table->integer('votes');
        });
    }

    /**
     * Reverse the migrations.
     */
    public function down(): void
    {
        Schema::table('users', function (Blueprint $table) {
            //
        });
    }
};
"""


def test_laravel_generated_table_skeleton_has_an_empty_down(repo: Repo) -> None:
    d = "database/migrations"
    repo.write(f"{d}/2024_01_01_000000_create_flights_table.php", LARAVEL_CREATE).commit().branch("feature")
    repo.write(f"{d}/2024_01_02_000000_add_votes_to_users_table.php", LARAVEL_TABLE_SKELETON)
    old_style = LARAVEL_CREATE.replace("return new class extends Migration", "class CreateTrips extends Migration")
    old_style = old_style.replace(
        "    public function down(): void\n    {\n        Schema::dropIfExists('flights');\n    }\n", ""
    )
    repo.write(f"{d}/2024_01_03_000000_create_trips.php", old_style.replace("};", "}"))
    repo.commit()
    repo.checkout("main").write(f"{d}/2024_01_05_000000_create_seats.php", LARAVEL_CREATE).commit()
    repo.checkout("feature")
    outcome = repo.check("--base", "main")
    assert outcome.found_for("migration-out-of-order", "missing-rollback") == [
        ("migration-out-of-order", f"{d}/2024_01_02_000000_add_votes_to_users_table.php", 7),
        ("missing-rollback", f"{d}/2024_01_02_000000_add_votes_to_users_table.php", 22),
        ("migration-out-of-order", f"{d}/2024_01_03_000000_create_trips.php", 7),
        ("missing-rollback", f"{d}/2024_01_03_000000_create_trips.php", 12),
    ]
    messages = [f["message"] for f in outcome.json["findings"] if f["rule"] == "missing-rollback"]
    assert "has a `down()` that does nothing" in messages[0] and "has no `down()` method" in messages[1]
    assert "`database/migrations/2024_01_05_000001_add_votes_to_users_table.php`" in outcome.json["findings"][0]["help"]


@pytest.mark.parametrize(
    ("path", "text", "framework"),
    [
        ("db/migrate/20240101000000_a.rb", rails("a", CHANGE_OK), "rails"),
        ("migrations/20240101000000_a.js", knex("a"), "knex"),
        ("database/migrations/2024_01_01_000000_a.php", LARAVEL_CREATE, "laravel"),
    ],
)
def test_editing_a_deployed_migration(repo: Repo, path: str, text: str, framework: str) -> None:
    repo.write(path, text).commit().branch("feature")
    repo.write(path, text + "\n").commit()
    f = repo.check("--base", "main").finding("deployed-migration-modified")
    # no checksum in these tools, and a new trailing line changes nothing that runs: a notice
    assert f["framework"] == framework and f["severity"] == "notice" and "reformats it" in f["message"]
    code = text.index("exports.up") if framework == "knex" else 0  # the first `a` of the code, not of a comment
    repo.write(path, text[:code] + text[code:].replace("\n", "\n\n", 1).replace("a", "b", 1)).commit()
    f = repo.check("--base", "main").finding("deployed-migration-modified")
    assert f["severity"] == "error" and "edits it" in f["message"]


def test_rails_migrations_written_with_def_self_up_are_read(repo: Repo) -> None:
    """Before Rails 3.1 migrations were `def self.up` / `def self.down` (rubygems.org has 62):
    they passed with no finding at all, their rename and their missing down unread."""
    rails_app(repo).branch("feature")
    body = "  def self.up\n    rename_column :orders, :status, :state\n  end\n"
    repo.write("db/migrate/20240105120000_rename_status.rb", rails("rename_status", body, "4.2")).commit()

    outcome = repo.check("--base", "main")

    assert outcome.found_for("renaming-column", "missing-rollback") == [
        ("missing-rollback", "db/migrate/20240105120000_rename_status.rb", 2),
        ("renaming-column", "db/migrate/20240105120000_rename_status.rb", 3),
    ]
