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
