"""A deployed SQL migration edited only in its formatting, as PostgreSQL's parser reads it (keyword
case, comments, layout, a PL/pgSQL body re-cased: lemmy), is a notice where the tool keeps no
checksum; moving a statement across the tool's markers, or changing a word that runs, is an error.
In memory: text in, findings out."""

from __future__ import annotations

import pytest

from tests.in_memory import check

PATH = "db/migrations/20240101000000_users.sql"
FUNCTION = "CREATE OR REPLACE FUNCTION active() RETURNS SETOF int AS $$ BEGIN RETURN query SELECT id FROM users; END $$ LANGUAGE plpgsql;"
UP = f"-- migrate:up\nCREATE TABLE users (id int);\n{FUNCTION}\n\n-- migrate:down\nDROP FUNCTION active;\nDROP TABLE users;\n"


def severity_of(new: str) -> str:
    (finding,) = [f for f in check({PATH: UP}, {PATH: new}) if f.rule == "deployed-migration-modified"]
    return finding.severity.label


@pytest.mark.parametrize(
    "new",
    [
        UP.replace("CREATE TABLE users (id int);", "create table users (\n  id integer -- the key\n);"),
        UP.replace("BEGIN RETURN query SELECT id FROM users; END", "\nBEGIN\n    RETURN QUERY SELECT id FROM users;\nEND\n"),
    ],
)
def test_a_reformat_postgresql_reads_alike_is_a_notice(new: str) -> None:
    assert severity_of(new) == "notice"


@pytest.mark.parametrize(
    "new",
    [
        UP.replace("SELECT id FROM users", "SELECT id FROM users WHERE active"),  # a word of the body
        UP.replace("(id int)", "(id bigint)"),
        # the same statements, one moved from the down part to the up part
        UP.replace("DROP TABLE users;\n", "").replace("-- migrate:up\n", "-- migrate:up\nDROP TABLE users;\n"),
    ],
)
def test_an_edit_of_what_runs_or_where_is_an_error(new: str) -> None:
    assert severity_of(new) == "error"


RAILS = ("db/migrate/20240101000000_add_admin.rb",
         "class AddAdmin < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :admin, :boolean, default: false\n  end\nend\n")  # fmt: skip
KNEX = ("migrations/20240101000000_users.js",
        "exports.up = function(knex) {\n  return knex.schema.createTable('users', (t) => {\n    t.increments('id')\n"
        "    t.string('name', 50)\n  })\n}\n\nexports.down = function(knex) {\n  return knex.schema.dropTable('users')\n}\n")  # fmt: skip
LARAVEL = ("database/migrations/2024_01_01_000000_add_a.php",
           "<?php\n\nuse Illuminate\\Database\\Migrations\\Migration;\nuse Illuminate\\Database\\Schema\\Blueprint;\n"
           "use Illuminate\\Support\\Facades\\Schema;\n\nreturn new class extends Migration {\n"
           "    public function up(): void { Schema::table('users', function (Blueprint $t) { $t->string('a'); }); }\n"
           "    public function down(): void { Schema::table('users', function (Blueprint $t) { $t->dropColumn('a'); }); }\n};\n")  # fmt: skip

#: per language: the deployed file, edits that change nothing that runs, and one that does
CODE_EDITS = {
    "ruby": (RAILS, [
        "# frozen_string_literal: true\n\n" + RAILS[1],  # the magic comment mastodon added everywhere
        RAILS[1].replace("default: false", "default: false # rubocop:disable Rails/ThreeStateBooleanColumn"),
    ], RAILS[1].replace("default: false", "default: true")),
    "javascript": (KNEX, [
        # prettier: semicolons, double quotes, trailing commas, a space after `function`, a comment
        KNEX[1].replace("'", '"').replace("function(", "function (").replace(")\n}", ");\n};").replace("50)\n", "50);\n")
        .replace("  })\n", "  });\n"),
        "// users\n" + KNEX[1],
    ], KNEX[1].replace("50", "100")),
    "php": (LARAVEL, [
        LARAVEL[1].replace("return new class extends Migration {", "/** Adds a. */\nreturn new class extends Migration\n{"),
    ], LARAVEL[1].replace("string('a')", "text('a')")),
}  # fmt: skip


def deployed_edit(path: str, before: str, after: str) -> str:
    (finding,) = [f for f in check({path: before}, {path: after}) if f.rule == "deployed-migration-modified"]
    return finding.severity.label


@pytest.mark.parametrize("language", sorted(CODE_EDITS))
def test_comments_and_formatting_of_a_deployed_code_migration_are_a_notice(language: str) -> None:
    (path, before), same, _changed = CODE_EDITS[language]
    assert [deployed_edit(path, before, after) for after in same] == ["notice"] * len(same)


@pytest.mark.parametrize("language", sorted(CODE_EDITS))
def test_an_edit_of_what_a_code_migration_runs_is_an_error(language: str) -> None:
    (path, before), _same, changed = CODE_EDITS[language]
    assert deployed_edit(path, before, changed) == "error"
