"""A table dropped.

What goes wrong: the old code still running during a rolling deploy may query the table and
fails once the drop commits; the data cannot be restored by rolling back the code. Not reported
in a directory that runs only after the new code is deployed (Rails' `db/post_migrate`): that is
the contract step.

Safe alternative: first deploy code that no longer uses the table, keep a backup (or rename it
to `*_deprecated` for a release), then drop it in a later migration.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from bot.frameworks import traits_of
from rules._operations import each_operation, finding, where

ID = "ban-drop-table"
SEVERITY = Severity.WARNING
SUMMARY = "Dropping a table breaks old code that still uses it, and its data cannot come back."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'dropping a table breaks old code that still uses it; the data is gone'

EXAMPLES = {
    'sql': (
        'DROP TABLE orgs;',
        'CREATE TABLE scratch (id int);\nDROP TABLE scratch;',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.dropTable("orgs");\n};',
        'exports.up = async function (knex) {\n  await knex.schema.createTable("scratch", (t) => { t.integer("id"); });\n  await knex.schema.dropTable("scratch");\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::drop('orgs');\n    }",
        "    public function up(): void\n    {\n        Schema::create('scratch', function (Blueprint $table) { $table->id(); });\n        Schema::drop('scratch');\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.DROP_TABLE}):
        if traits_of(m.framework).runs_after_deploy(m.path):
            continue  # a post-deployment migration: the old code is gone when it runs (the contract step)
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"Dropping {where(op)} breaks old code that still queries it during the deploy, and its data is gone.",
            "Ship code that no longer uses the table first, keep a backup, then drop it in a later migration.",
            suggestion=False,
        )
