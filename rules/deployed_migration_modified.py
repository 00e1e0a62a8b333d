"""A migration that already ran at the deployed ref is modified, renamed or deleted.

What goes wrong: a database records the migrations it has run and never runs them again. An
edit to a deployed migration therefore reaches only databases created from scratch (new
developers, CI, a new region) while production keeps the old schema: environments drift, and
the next migration that assumes the edited schema fails in production only. Tools that
checksum applied migrations (Flyway, Prisma, Atlas, Liquibase) refuse to start instead; even a
whitespace-only edit changes the checksum. A renamed or deleted migration is recorded as
applied under a name that no longer exists (Django, Rails, dbmate, golang-migrate re-run a
renamed file as if it were new).

Safe alternative: leave the deployed file exactly as it is and write a new migration that
makes the correction. To fix a typo in a comment, accept it. If the file truly never ran
anywhere, set `deployed:` in `.github/migration-guard.yml` (or pass `--deployed-ref`) to the
ref that reflects production.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, ChangeStatus, FileChange, Finding, Migration, Role, Severity
from bot.core.traits import RenameKeeps
from bot.frameworks import traits_of

ID = "deployed-migration-modified"
SEVERITY = Severity.ERROR
SUMMARY = "A migration that already ran at the deployed ref is modified, renamed or deleted."
GROUP = "history"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'a migration that exists at the deployed ref is modified (first changed line), renamed or deleted (whole file); a rename that keeps the identity the tool records (Alembic revision id, Django label and name, Prisma folder name) is a notice, and so is a reformat that changes nothing the tool runs (whitespace; for SQL also keyword case, comments and layout, PL/pgSQL bodies included, as PostgreSQL reads them; for Python also docstrings, annotations, unused or reordered imports) where the tool keeps no checksum (Flyway and Prisma do: there even whitespace is an error)'

EXAMPLES = {
    'history': (
        'branch edits: db/migrations/00001_users.sql',
        'branch: db/migrations/00002_users_email_required.sql',
    ),
}

_DEFAULT_CONSEQUENCE = "databases that already ran it never run the new text, so environments drift"


def check(cs: ChangeSet) -> Iterator[Finding]:
    deployed_name = cs.deployed_ref.name if cs.deployed_ref else "the deployed ref"
    for change in cs.changes:
        if change.status is ChangeStatus.ADDED or change.old_path is None:
            continue
        before = cs.deployed_migrations.get(change.old_path)
        if before is None:
            before = _unrecognised_then(cs, change)
        if before is None:
            continue
        if isinstance(before, Migration) and before.role is not Role.UP:
            continue  # repeatable files are re-run on change; down/undo files never ran
        framework = before.framework
        if change.status is ChangeStatus.MODIFIED:
            checksum = traits_of(framework).edit_effect
            if change.same_code and not checksum:
                yield Finding(
                    ID,
                    Severity.NOTICE,
                    change.path,
                    change.first_changed_line or 1,
                    f"This migration already ran at {deployed_name}; this change reformats it (whitespace, comments, keyword case, "
                    f"docstrings or import order): what {traits_of(framework).display} runs is unchanged, so no "
                    "database is affected.",
                    "Nothing to do for the databases; to keep deployed files as they ran, exclude migrations from "
                    "formatters.",
                    framework,
                )
                continue
            if change.whitespace_only:
                what = "edits only whitespace in it, which still changes its checksum"
            else:
                what = "edits it"
            yield Finding(
                ID,
                SEVERITY,
                change.path,
                change.first_changed_line or 1,
                f"This migration already ran at {deployed_name}; this change {what}: {checksum or _DEFAULT_CONSEQUENCE}.",
                "Revert this file and put the correction in a new migration.",
                framework,
            )
        elif change.status is ChangeStatus.RENAMED:
            renamed = _identity_survives(cs, change.path, before)
            yield Finding(
                ID,
                Severity.NOTICE if renamed else SEVERITY,
                change.path,
                None,
                f"`{change.old_path}` already ran at {deployed_name}; this change renames it to `{change.path}`"
                + (
                    f" ({traits_of(framework).rename_keeps_words or 'its identity'} is unchanged, so only its history moves)."
                    if renamed
                    else ": databases record it under its old name and would run it again as a new migration."
                ),
                f"Keep the name `{change.old_path}`.",
                framework,
            )
        else:
            yield Finding(
                ID,
                SEVERITY,
                change.path,
                None,
                f"This migration already ran at {deployed_name}; this change deletes it: deployed databases "
                "keep its schema while new environments lose it, and tools that verify history fail.",
                "Restore the file; to undo its effect, add a new migration. To squash history, use the "
                "framework's squash tooling after every environment has run it.",
                framework,
            )


def _unrecognised_then(cs: ChangeSet, change: FileChange) -> Migration | None:
    """A file that existed at the deployed ref without being recognised as a migration (a dbmate
    file before its `-- migrate:up` annotation) and is a migration now: its version may already
    be recorded as applied, so the edit is an edit of a deployed file."""
    if change.status is not ChangeStatus.MODIFIED or change.old_path not in cs.deployed_paths:
        return None
    now = cs.head.by_path().get(change.path)
    return now if now is not None and now.role is Role.UP and now.order is not None else None


def _identity_survives(cs: ChangeSet, new_path: str, before: Migration | object) -> bool:
    """An Alembic revision keeps its identity through a file rename when its id is unchanged; a
    Django migration when its app label and name are (an app folder moved, its label kept); a
    Prisma migration when its folder name is (`_prisma_migrations.migration_name`)."""
    if not isinstance(before, Migration):
        return False
    keeps = traits_of(before.framework).rename_keeps
    if keeps is RenameKeeps.NOTHING:
        return False
    after = cs.head.by_path().get(new_path)
    if after is None or after.framework != before.framework or after.key != before.key:
        return False
    if keeps is RenameKeeps.KEY_AND_PARENTS:
        return after.parents == before.parents
    if keeps is RenameKeeps.FOLDER_NAME:  # a migrations folder moved (`prisma/migrations`), names kept
        return after.name == before.name
    at_base = cs.base.by_path().get(before.path)  # linked there: its label, not its folder
    return at_base is not None and at_base.namespace == after.namespace
