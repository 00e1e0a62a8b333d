"""Schema changes and data changes in one migration.

What goes wrong: a data change (UPDATE/INSERT/DELETE, Django `RunPython`, Rails model calls and
`update_all`, Alembic `bulk_insert`) inside the same transaction as DDL holds the DDL's locks for
as long as the data change runs, on every row it touches; if it fails, the schema change rolls
back with it (or, without a transaction, half of it stays). Neither can be re-run or rolled
back alone.

Safe alternative: one migration for the schema change, another (or a background job) for the
data, batched, so each can be deployed, retried and rolled back on its own.

Not reported: a migration whose schema changes only make new tables (filling a table nobody reads
yet is one step), unless it adds a foreign key, which locks the table it references. Outside a transaction (Django `atomic = False`, Rails `disable_ddl_transaction!`)
the data change holds no schema lock, and the message does not say it does.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Role, Severity
from bot.core.operations import SCHEMA_OPS, Op

ID = "mixed-schema-and-data-migration"
SEVERITY = Severity.WARNING
SUMMARY = "A migration changes both the schema and the data."
GROUP = "hygiene"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'DDL and data changes (UPDATE/INSERT/DELETE, `RunPython`, model calls, `bulk_insert`) in one migration'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD COLUMN age int;\nUPDATE users SET age = 0;',
        'UPDATE users SET email = lower(email);',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => { t.integer("age"); });\n  await knex("users").update({ age: 0 });\n};',
        'exports.up = async function (knex) {\n  await knex("users").update({ email: knex.raw("lower(email)") });\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) { $table->integer('age')->nullable(); });\n        DB::table('users')->update(['age' => 0]);\n    }",
        "    public function up(): void\n    {\n        DB::table('users')->update(['email' => DB::raw('lower(email)')]);\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m in cs.judged_migrations():
        if m.role is not Role.UP:
            continue
        analysed = cs.operations(m)
        ops = analysed.operations
        # a foreign key from a new table still locks the table it references (SHARE ROW EXCLUSIVE)
        schema = [o for o in ops if o.kind in SCHEMA_OPS and o.kind is not Op.CREATE_TABLE
                  and (analysed.on_existing_table(o) or o.kind is Op.ADD_FOREIGN_KEY)]  # fmt: skip
        data = [o for o in ops if o.kind is Op.DATA]
        if not schema or not data:
            continue  # no schema change, no data change, or only new tables made and filled
        first = data[0]
        locks = "the data change holds the schema locks, and " if analysed.transactional else ""
        yield Finding(
            ID,
            SEVERITY,
            m.path,
            first.line,
            f"This migration changes the schema (`{schema[0].detail}`) and the data "
            f"(`{first.detail}`) in one migration: {locks}neither can be retried or rolled back alone.",
            "Move the data change into its own migration (or a batched background job).",
            m.framework,
        )
