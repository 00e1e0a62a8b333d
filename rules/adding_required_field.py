"""A NOT NULL column without a default added to an existing table.

What goes wrong: PostgreSQL and SQLite must fill the new column for every existing row; with no
default there is nothing to fill it with, so the statement fails as soon as the table has a
row ("column contains null values"): the deploy stops in production, which has rows, while it
passed on the empty test database. Old code still running during the deploy would also fail
to insert rows that lack the new column.

A default that only fills the existing rows and is dropped at once (Django's `AddField` does
this with every `default`, and with `''` for a `blank=True` text field, unless the field has
`db_default`) lets the statement pass, but the code still running during the deploy inserts
without the column and fails: a warning, with the fix in Django's terms.

Safe alternative: add the column with a default (PostgreSQL 11+ stores a constant default
without rewriting the table), or add it nullable, backfill in batches, then add a
`CHECK (col IS NOT NULL) NOT VALID` constraint, `VALIDATE` it, and set NOT NULL.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, where

ID = "adding-required-field"
SEVERITY = Severity.ERROR
SUMMARY = "A NOT NULL column without a default on an existing table fails when the table has rows."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'a NOT NULL column without a default on an existing table (fails on any row); a warning when the default only fills the rows and is dropped (Django without `db_default`: old code fails to insert)'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD COLUMN age int NOT NULL;',
        'ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 0;',
    ),
    'rails': (
        '  def change\n    add_column :users, :age, :integer, null: false\n  end',
        '  def change\n    add_column :users, :age, :integer, null: false, default: 0\n  end',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.integer("age").notNullable();\n  });\n};',
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.integer("age").notNullable().defaultTo(0);\n  });\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->integer('age');\n        });\n    }",
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->integer('age')->default(0);\n        });\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.ADD_COLUMN}, dialects={"postgres", "sqlite", "tsql"}):
        if not op.not_null or (op.has_default and not op.default_dropped):
            continue
        column = f"`{op.column}`" if op.column else "the column"
        if op.default_dropped:
            yield finding(
                ID,
                Severity.WARNING,
                m,
                op,
                f"{column} is added to {where(op)} as NOT NULL, and its default only fills the existing rows: "
                "Django drops it at once, so the code still running during the deploy, which does not know the "
                "column, fails to insert.",
                "Keep the default in the database (`db_default=`, Django 5.0+), or add the field with `null=True` "
                "first and make it NOT NULL once every running version writes it.",
                suggestion=False,
            )
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{column} is added to {where(op)} as NOT NULL without a default: the statement fails on any "
            "existing row, and old code inserting without it breaks.",
            "Give it a default, or add it nullable, backfill, then enforce NOT NULL "
            "(CHECK ... NOT VALID, VALIDATE, SET NOT NULL).",
            suggestion=False,
        )
