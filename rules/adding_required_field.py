"""A NOT NULL column without a default added to an existing table.

What goes wrong: PostgreSQL and SQLite must fill the new column for every existing row; with no
default there is nothing to fill it with, so the statement fails as soon as the table has a
row ("column contains null values"): the deploy stops in production, which has rows, while it
passed on the empty test database. Old code still running during the deploy would also fail
to insert rows that lack the new column.

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
CATCHES = 'a NOT NULL column without a default on an existing table (fails on any row)'

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
        if not op.not_null or op.has_default:
            continue
        column = f"`{op.column}`" if op.column else "the column"
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
