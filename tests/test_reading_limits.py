"""The CLI reading a repository it does not trust: what is not a file (a submodule), what is too big
to read (the configuration file, a committed blob) or too deep to walk is said in one line naming
the file, and the rest is checked."""

from __future__ import annotations

from tests.gitrepo_factory import Repo

M = "db/migrations"
GOOSE = "-- +goose Up\nCREATE TABLE {t} (id int);\n\n-- +goose Down\nDROP TABLE {t};\n"
#: a commit of another repository, as a submodule records it (this repository never holds it)
FOREIGN_COMMIT = "1234567890abcdef1234567890abcdef12345678"


def add_gitlink(repo: Repo, path: str, commit: str = FOREIGN_COMMIT) -> Repo:
    """Commit a submodule entry (mode 160000) at ``path``, as `git submodule add` records it; its
    directory is left empty, as a clone without ``--recurse-submodules`` has it."""
    (repo.root / path).mkdir(parents=True)
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{commit},{path}")
    repo.git("commit", "-q", "-m", f"submodule at {path}")
    return repo


# -- a submodule named like a migration ------------------------------------------------------------


def test_a_submodule_named_like_a_migration_is_noted_and_the_rest_checked(repo: Repo) -> None:
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n").commit()
    add_gitlink(repo, f"{M}/00003_vendored.sql")

    outcome = repo.check("--base", "main")

    assert (outcome.code, outcome.err) == (1, "")
    assert outcome.found == [("missing-rollback", f"{M}/00002_b.sql", 1)]
    assert outcome.json["summary"]["notes"] == [
        f"`{M}/00003_vendored.sql` is a submodule (a commit of another repository), not a migration: not checked."
    ]
