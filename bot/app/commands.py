"""Slash commands in the pull request conversation: ``/migrations recheck|explain|ignore|unignore|help``.

Every command is acknowledged with a reaction (👀 received, 👍 done, 😕 refused or failed) and
answered in one comment. Waivers need write permission and a reason; they are recorded with the
blob SHA of each file they cover, so a later change to the file ends them unless re-issued.
"""

from __future__ import annotations

import logging
import shlex
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.app import jobs
from bot.app.fencing import lease_guard
from bot.core.settings import Settings
from bot.core.suggest import closest
from bot.github.client import GitHubApp, RepoApi
from bot.report import markdown as md
from bot.store import Job, Store
from rules import RULES

log = logging.getLogger("migration_guard.commands")
PREFIX = "/migrations"
WRITE = {"admin", "maintain", "write"}
COMMANDS = ("recheck", "explain", "ignore", "unignore", "help")

HELP = f"""**Migration Guard commands** (first line of a comment on this pull request):

- `{PREFIX} recheck`: check the migrations again now.
- `{PREFIX} explain <rule>`: what a rule catches and the safe alternative, e.g. `{PREFIX} explain missing-rollback`.
- `{PREFIX} ignore <rule> [<path>] -- <reason>`: waive a finding on this pull request (write permission), e.g.
  `{PREFIX} ignore ban-drop-column db/migrate/20240101000000_drop_legacy.rb -- column unused since v42`.
  The waiver ends when the file changes again.
- `{PREFIX} unignore <rule> [<path>]`: take a waiver back.
- `{PREFIX} help`: this list.

Rules: {", ".join(f"`{r}`" for r in RULES)}."""


class CommandError(Exception):
    """Said back to the user, with 😕."""


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]
    reason: str | None


def parse(line: str) -> Command:
    body = line.strip()[len(PREFIX) :].strip()
    head, _sep, reason = body.partition(" -- ")
    if body.endswith(" --"):
        head, reason = body[:-3], ""
    try:
        words = shlex.split(head)
    except ValueError:
        words = head.split()
    if not words:
        return Command("help", (), None)
    name = words[0].lower()
    if name not in COMMANDS:
        near = closest(name, COMMANDS)
        hint = f" Did you mean `{PREFIX} {near}`?" if near else ""
        raise CommandError(f"I do not know the command {md.code(name)}.{hint}\n\n{HELP}")
    return Command(name, tuple(words[1:]), reason.strip() if _sep or body.endswith(" --") else None)


def run_command(job: Job, app: GitHubApp, store: Store, settings: Settings) -> None:
    c = jobs.read(jobs.Command, job.payload)
    api = app.repo(c.installation_id, c.owner, c.repo, lease_guard(store, job, settings.job_lease_seconds))
    number, comment_id, kind, author = c.number, c.comment_id, c.kind, c.author
    if job.attempts == 1:
        api.react(comment_id, kind, "eyes")
    try:
        reply = _execute(parse(c.line), api, store, number, author, _timestamp(c.created_at))
    except CommandError as exc:
        api.reply(number, comment_id, kind, f"@{author} {exc}")
        api.react(comment_id, kind, "confused")
        return
    api.reply(number, comment_id, kind, f"@{author} {reply}")
    api.react(comment_id, kind, "+1")


def give_up_command(job: Job, app: GitHubApp, store: Store, settings: Settings, reason: str) -> None:
    c = jobs.read(jobs.Command, job.payload)
    api = app.repo(c.installation_id, c.owner, c.repo, lease_guard(store, job, settings.job_lease_seconds))
    api.reply(c.number, c.comment_id, c.kind, f"@{c.author} Sorry, that command failed: {md.text(reason)}")
    api.react(c.comment_id, c.kind, "confused")


def _timestamp(text: str | None) -> float | None:
    """GitHub's `created_at` (`2026-11-27T17:50:03Z`) as seconds; None when absent or odd."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _execute(command: Command, api: RepoApi, store: Store, number: int, author: str,
             written_at: float | None = None) -> str:  # fmt: skip
    if command.name == "help":
        return HELP
    if command.name == "explain":
        if not command.args or command.args[0] not in RULES:
            asked = command.args[0] if command.args else ""
            near = closest(asked, RULES)
            hint = f" Did you mean `{near}`?" if near else ""
            raise CommandError(f"There is no rule {md.code(asked or '(none)')}.{hint} Rules: "
                               + ", ".join(f"`{r}`" for r in RULES))  # fmt: skip
        rule = RULES[command.args[0]]
        return f"**`{rule.id}`** ({rule.severity.label} by default)\n\n{rule.explanation}"
    if command.name == "recheck":
        _recheck(api, store, number, "recheck requested by @" + author)
        return "Re-checking this pull request now."
    # ignore / unignore
    if not command.args or command.args[0] not in RULES:
        raise CommandError(f"Name a rule to {command.name}: `{PREFIX} {command.name} <rule> [<path>]"
                           + (" -- <reason>`." if command.name == "ignore" else "`."))  # fmt: skip
    permission = api.permission(author)
    if permission not in WRITE:
        raise CommandError(
            f"Sorry, waiving findings needs write permission on this repository (you have {permission}). "
            "Ask a maintainer to run the command."
        )
    rule_id, path = command.args[0], command.args[1] if len(command.args) > 1 else None
    repo = api.full_name
    if command.name == "unignore":
        removed = store.remove_waiver(repo, number, rule_id, path)
        if not removed:
            raise CommandError(f"There is no waiver of `{rule_id}`" + (f" on {md.code(path)}" if path else "") + " to take back.")
        _recheck(api, store, number, f"waiver taken back by @{author}")
        return f"Took back the waiver of `{rule_id}`" + (f" on {md.code(path)}" if path else "") + "; re-checking."
    if not command.reason:
        raise CommandError(
            f"A waiver needs a reason: {md.code(f'{PREFIX} ignore {rule_id}' + (' ' + path if path else '') + ' -- <why it is safe>')}."
        )
    pr = api.pull_request(number)
    files = {f.filename: f.sha for f in api.pull_request_files(number) if f.sha}
    head = pr.head.sha
    seen = store.head_at(repo, number, written_at) if written_at is not None else None
    if seen is not None and seen != head:
        # Pushed after the comment was written: the waiver covers what the writer saw, not the push.
        head = seen
        at_comment = api.tree(seen)[0]
        files = {p: at_comment.get(p, "") for p in files}
    covered = {path: files.get(path, "")} if path else files
    store.add_waiver(repo, number, rule_id, path or "*", command.reason, author, head, covered)
    _recheck(api, store, number, f"waiver by @{author}", pr=pr)
    where = f" on {md.code(path)}" if path else ""
    return (f"Waived `{rule_id}`{where} on this pull request for the files at `{head[:12]}`: {md.text(command.reason)}. "
            "Re-checking; the waiver ends if the file changes.")  # fmt: skip


def _recheck(api: RepoApi, store: Store, number: int, reason: str, pr: Any = None) -> None:
    pull = pr if pr is not None else api.pull_request(number)
    head_sha, base_ref = pull.head.sha, pull.base.ref
    store.enqueue(jobs.spec(jobs.Review(api.installation_id, api.owner, api.name, number, head_sha, base_ref, reason)))
