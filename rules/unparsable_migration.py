"""A migration file that cannot be read.

What goes wrong: a file the migration tool cannot load stops every deploy at that migration
(a syntax error, a binary or wrongly encoded file, a revision file without its identity, a SQL
file without its tool's annotations). Migration Guard cannot check what it cannot read, so it
says so instead of passing the file silently.

Safe alternative: fix the reported line; run the tool locally (`alembic history`,
`python manage.py makemigrations --check`, `dbmate status`, `goose validate`) to confirm it loads.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity

ID = "unparsable-migration"
SEVERITY = Severity.ERROR
SUMMARY = "A migration file cannot be read (syntax error, binary, bad encoding, missing identity)."
GROUP = "rollback"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'a migration file its tool cannot load'

EXAMPLES = {
    'alembic': (
        '    op.add_column("users", sa.Column("age", sa.Integer())',
        '    op.add_column("users", sa.Column("age", sa.Integer()))',
    ),
    'django': (
        "    operations = [\n        migrations.AddField('user', 'age', models.IntegerField(null=True),\n    ]",
        "    operations = [\n        migrations.AddField('user', 'age', models.IntegerField(null=True)),\n    ]",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for failure in cs.head.failures:
        if failure.path in cs.touched:
            yield Finding(
                ID,
                SEVERITY,
                failure.path,
                failure.line,
                f"{failure.framework} cannot read `{failure.path}`: {failure.message}.",
                "Fix the file so the migration tool can load it; Migration Guard checks nothing else in it until then.",
                failure.framework,
            )
