"""Putting reports on GitHub without piling up: one check run, one review per run.

Shared by the App (its worker) and the GitHub Action (``migration-guard action``), so both post
the same check run and the same review. The check run is completed with its annotations in
batches of 50, as the Checks API requires. The review only carries findings not published before
on this pull request; comments whose finding is gone are minimized as outdated. What was published
is kept in a ``Ledger``: the App's store, or for the Action (which keeps nothing between runs) a
``MemoryLedger`` filled by reading back what GitHub already shows (fingerprint markers), so a
re-run, like a resumed App job, never posts a second review of the same findings.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from githubkit.exception import RequestFailed

from bot.github.client import RepoApi
from bot.report.texts import MARKER_RE, CheckReport, ReviewComment, ReviewPlan, review_body

log = logging.getLogger("migration_guard.publish")
ANNOTATIONS_PER_REQUEST = 50


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PublishedItem(Protocol):
    """One finding published on a pull request: an inline ``comment`` or a ``body`` line, ``active``
    or ``hidden``."""

    @property
    def kind(self) -> str: ...
    @property
    def state(self) -> str: ...


class Ledger(Protocol):
    """Where what was published is remembered (``bot.store.Store`` for the App)."""

    def published_for(self, repo: str, pr: int) -> Mapping[str, PublishedItem]: ...
    def record_published(
        self, repo: str, pr: int, head_sha: str, items: Mapping[str, str], review_id: int | None
    ) -> None: ...
    def mark_hidden(self, repo: str, pr: int, fingerprints: Iterable[str]) -> None: ...


@dataclass
class _Item:
    kind: str
    state: str = "active"


class MemoryLedger:
    """A ledger for one run (the Action): empty at start, so ``publish_review`` is called with
    ``reconcile=True`` and learns what earlier runs posted from GitHub itself."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, int], dict[str, _Item]] = {}

    def published_for(self, repo: str, pr: int) -> Mapping[str, PublishedItem]:
        return dict(self.items.get((repo, pr), {}))

    def record_published(
        self, repo: str, pr: int, head_sha: str, items: Mapping[str, str], review_id: int | None
    ) -> None:
        self.items.setdefault((repo, pr), {}).update({fp: _Item(kind) for fp, kind in items.items()})

    def mark_hidden(self, repo: str, pr: int, fingerprints: Iterable[str]) -> None:
        for fp in fingerprints:
            if fp in self.items.get((repo, pr), {}):
                self.items[(repo, pr)][fp].state = "hidden"


def create_check_run(api: RepoApi, head_sha: str, name: str, external_id: str, details_url: str | None) -> int:
    """A new check run, ``in_progress`` until ``finish_check_run``."""
    data = {
        "name": name,
        "head_sha": head_sha,
        "status": "in_progress",
        "started_at": _now(),
        "external_id": external_id,
        "output": {
            "title": "Checking migrations…",
            "summary": "Migration Guard is reading the migrations this pull request changes.",
        },
    }
    if details_url:
        data["details_url"] = details_url
    return api.create_check_run(data)


def finish_check_run(api: RepoApi, check_run_id: int, report: CheckReport) -> None:
    annotations = report.annotations
    batches = [
        annotations[i : i + ANNOTATIONS_PER_REQUEST] for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)
    ]
    batches = batches or [[]]
    output = {"title": report.title, "summary": report.summary}
    for batch in batches[:-1]:
        api.update_check_run(check_run_id, {"output": {**output, "annotations": batch}})
    final = {**output, "annotations": batches[-1]} if batches[-1] else output
    api.update_check_run(
        check_run_id,
        {"status": "completed", "conclusion": report.conclusion, "completed_at": _now(), "output": final},
    )


def publish_review(api: RepoApi, store: Ledger, number: int, head_sha: str, plan: ReviewPlan, reconcile: bool) -> None:
    repo = api.full_name
    known = store.published_for(repo, number)
    if reconcile:
        on_github = _published_on_github(api, number)
        missing = {fp: kind for fp, kind in on_github.items() if fp not in known}
        store.record_published(repo, number, head_sha, missing, None)
        known = store.published_for(repo, number)
    active = {fp for fp, p in known.items() if p.state == "active"}
    wanted = plan.fingerprints

    new_comments = [c for c in plan.comments if c.fingerprint not in active]
    new_items = [(fp, line) for fp, line in plan.body_items if fp not in active]
    if new_comments or new_items:
        review_id = _post_review(api, number, head_sha, new_comments, new_items)
        store.record_published(
            repo,
            number,
            head_sha,
            {c.fingerprint: "comment" for c in new_comments} | {fp: "body" for fp, _ in new_items},
            review_id,
        )

    gone = [fp for fp in active if fp not in wanted]
    if gone:
        _hide(api, store, number, [fp for fp in gone if known[fp].kind == "comment"])
        store.mark_hidden(repo, number, gone)


def _post_review(api: RepoApi, number: int, head_sha: str, comments: list, items: list[tuple[str, str]]) -> int:
    data = {
        "commit_id": head_sha,
        "event": "COMMENT",
        "body": review_body([line for _, line in items], len(comments)),
        "comments": [_placed(c) for c in comments],
    }
    try:
        return api.create_review(number, data)
    except RequestFailed as exc:
        if exc.response.status_code != 422 or not comments:
            raise
        log.warning(
            "review with inline comments refused (422) on %s#%s; posting them in the body", api.full_name, number
        )
    fallback = [
        f"- `{c.path}` line {c.line}:\n\n" + "\n".join("  " + line if line else "" for line in c.body.splitlines())
        for c in comments
    ]
    return api.create_review(
        number,
        {"commit_id": head_sha, "event": "COMMENT", "body": review_body([*fallback, *(line for _, line in items)], 0)},
    )


def _by_a_bot(item: object) -> bool:
    """Written by a GitHub App (our installation token posts as `<slug>[bot]`, type `Bot`)."""
    user = getattr(item, "user", None)
    return getattr(user, "type", None) == "Bot"


def _published_on_github(api: RepoApi, number: int) -> dict[str, str]:
    """Fingerprints our earlier reviews carry on GitHub: inline comments and review bodies."""
    found: dict[str, str] = {}
    for review in api.reviews(number):
        if not _by_a_bot(review):
            continue  # a person quoting our marker must not silence a finding
        for fp in MARKER_RE.findall(review.body or ""):
            found[fp] = "body"
    for comment in api.review_comments(number):
        if not _by_a_bot(comment):
            continue
        for fp in MARKER_RE.findall(comment.body or ""):
            found[fp] = "comment"
    return found


def _hide(api: RepoApi, store: Ledger, number: int, fingerprints: list[str]) -> None:
    if not fingerprints:
        return
    wanted = set(fingerprints)
    for comment in api.review_comments(number):
        if not _by_a_bot(comment):
            continue  # never hide a person's comment, whatever it quotes
        match = MARKER_RE.search(comment.body or "")
        if match and match.group(1) in wanted:
            api.minimize_comment(comment.node_id)


def _placed(comment: ReviewComment) -> dict[str, object]:
    """A review comment as GitHub takes it: a multi-line suggestion spans ``start_line``..``line``."""
    placed: dict[str, object] = {"path": comment.path, "line": comment.line, "side": "RIGHT", "body": comment.body}
    if comment.start_line is not None and comment.start_line < comment.line:
        placed.update(start_line=comment.start_line, start_side="RIGHT")
    return placed
