"""What a migration tool is like, as plain data the rules read instead of naming tools.

Each adapter in ``bot/frameworks/`` declares one ``Traits`` record; rules look it up by a
migration's framework name (``bot.frameworks.traits_of``) and never compare names themselves.
A rule that needs a new fact about tools gains a field here, and every adapter states it: a new
tool is one module that answers every question, never a rule edit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bot.core.operations import Op


class Identity(enum.Enum):
    """How the tool records that a migration ran, hence what makes two migrations the same one."""

    VERSION = "version"  # a version in the file (or folder) name: two files with one version clash
    REVISION = "revision id"  # a revision id inside the file, linked to its parents (Alembic)
    LABEL_AND_NAME = "app label and name"  # (app label, file name), linked to its dependencies (Django)
    FILE_NAME = "file name"  # the whole file name; any name runs, in name order (knex, Laravel)


class RenameKeeps(enum.Enum):
    """When a renamed deployed migration is still the same migration to the tool."""

    NOTHING = "nothing"  # the name is the identity: a renamed file runs again
    KEY_AND_PARENTS = "key and parents"  # same revision id and parents (Alembic)
    FOLDER_NAME = "folder name"  # its folder moved, the migration folder's name kept (Prisma)
    LABEL_AND_NAME = "label and name"  # the app folder moved, its label kept (Django)


@dataclass(frozen=True)
class Traits:
    """Everything a rule may need to know about a tool, stated once by its adapter."""

    #: the tool as people write it in prose ("Alembic", "golang-migrate", "`php artisan migrate`")
    display: str
    identity: Identity
    #: migrations name their parents (a graph with heads), rather than sort by name
    graph: bool = False
    #: parents name their scope (`app:name`) rather than an id within the directory
    parents_scoped: bool = False
    #: what the parents are called in the file (`down_revision`, `dependencies`)
    parents_field: str = ""
    #: each migration is a folder (`<version>_<name>/migration.sql`): its version lives in the folder name
    folder_per_migration: bool = False
    #: what a duplicate version does at deploy; ``None`` when names are unique by construction
    duplicate_effect: str | None = None
    #: the fix for a duplicate when renumbering is not how this tool identifies a migration
    duplicate_fix: str | None = None
    #: what a new migration that sorts before an applied one does at deploy
    out_of_order_effect: str | None = None
    #: what an edit to an applied migration does, when the tool checks (checksums)
    edit_effect: str | None = None
    rename_keeps: RenameKeeps = RenameKeeps.NOTHING
    #: "Alembic identifies it by its revision id, which" (said when a rename keeps the identity)
    rename_keeps_words: str = ""
    #: a new migration's name need not start with a version (generated ids, class-name timestamps)
    versionless_names: bool = False
    #: a generated prefix to strip before judging whether a name is descriptive (Alembic's revision id)
    generated_prefix: str = ""
    #: how to build or drop an index without blocking writes, in this tool's own terms
    concurrent_index_fix: str | None = None
    #: how to run one migration outside a transaction, in this tool's own terms
    no_transaction_fix: str | None = None
    #: the fix for two heads after the merge: ``{other}`` is the other head, ``{heads}`` all of them
    heads_fix: str = ""
    #: how a head is named in that fix: ``{key}`` or ``('{namespace}', '{key}')``
    head_name: str = "{key}"
    #: how a scope with two heads is named in messages: ``{scope}`` is the namespace
    scope_name: str = "`{scope}`"
    #: the fix when a parent named in the file does not exist
    missing_parent_fix: str = ""
    #: where this tool's users usually set ``lock_timeout``/``statement_timeout`` outside the
    #: migration (its runner or connection); ``None`` for SQL-file tools, where the file is the place
    timeouts_elsewhere: str | None = None
    #: the migration SQL is generated from a schema file (Prisma's ``schema.prisma``): a type is
    #: changed there, not in the generated file (an edit there is undone by the next generation)
    generated_from: str | None = None
    #: this tool's destructive calls (``RenameField``, ``rename_column``) and what each does: what
    #: a text scan looks for in a migration too large to analyse (``bot.syntax.prescan``)
    prescan_calls: tuple[tuple[str, Op], ...] = ()
    #: when "in a later migration" is not enough: the runner may apply several in one transaction
    shared_transaction: str | None = None
    #: how its schema methods say IF NOT EXISTS / IF EXISTS (Rails: `if_not_exists: true`)
    guard_options: dict[str, str] = field(default_factory=dict)
    #: a type rule's fix in the tool's own terms (rule id -> "Use `t.bigint`"), for columns its DSL writes
    type_fixes: dict[str, str] = field(default_factory=dict)
    #: directories whose migrations run only once the new code is deployed everywhere (Rails'
    #: ``db/post_migrate``, run after the rollout; GitLab and Mastodon skip them during it): what
    #: they drop, no old code reads any more
    after_deploy_dirs: tuple[str, ...] = ()

    def runs_after_deploy(self, path: str) -> bool:
        return any(f"/{d}/" in f"/{path}" for d in self.after_deploy_dirs)

    @property
    def key_word(self) -> str:
        """What a migration's key is called in messages."""
        return "revision id" if self.identity is Identity.REVISION else "version"

    @property
    def keys_clash(self) -> bool:
        """Two migration files can carry the same key (file systems keep Django's names unique per app)."""
        return self.identity is not Identity.LABEL_AND_NAME
