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


# -- the configuration file's size -----------------------------------------------------------------


def test_a_configuration_file_over_1_mb_is_refused_in_one_line(repo: Repo) -> None:
    """10 MB of comments took 52 s to parse, 600,000 rule keys over 120 s: past 1 MB it is refused."""
    repo.write(".github/migration-guard.yml", "# padding\n" * 110_000)  # 1,100,000 bytes
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", GOOSE.format(t="b")).commit()

    outcome = repo.check("--base", "main")

    assert (outcome.code, outcome.out) == (2, "")
    assert outcome.err == (
        "migration-guard: error: .github/migration-guard.yml: 1,100,000 bytes, over the 1 MB (1,000,000 bytes) "
        "a configuration file may have\n"
    )


def test_a_configuration_file_just_under_1_mb_is_read(repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "# padding\n" * 99_998 + "dialect: postgres\n")
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", GOOSE.format(t="b")).commit()
    assert repo.check("--base", "main").code == 0
