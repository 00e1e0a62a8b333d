"""Webhook deliveries: signature check and the job each handled event asks for (pure, no I/O).

One small function per event, Probot style: each reads only what the job needs from the
payload, so the worker never depends on the shape of a payload it did not ask for.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any, cast

from bot.app.jobs import BaseMoved, Command, Deployment, Forget, PayloadError, RepoJob, Review, spec
from bot.store import JobSpec

PR_ACTIONS = {"opened", "synchronize", "reopened", "ready_for_review"}


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256``: HMAC-SHA256 of the raw body, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def _repo(payload: dict[str, Any]) -> tuple[str, str, int] | None:
    repository = payload.get("repository") or {}
    installation = payload.get("installation") or {}
    owner = (repository.get("owner") or {}).get("login")
    name = repository.get("name")
    if not (owner and name and installation.get("id")):
        return None
    return owner, name, int(installation["id"])


def _review(
    payload: dict[str, Any], number: int | None, head_sha: str, base_ref: str | None, reason: str
) -> Review | None:
    where = _repo(payload)
    if where is None or not head_sha:
        return None
    owner, name, installation = where
    return Review(installation, owner, name, number, head_sha, base_ref, reason)


def on_pull_request(payload: dict[str, Any]) -> RepoJob | None:
    if payload.get("action") == "closed":
        where = _repo(payload)
        number = (payload.get("pull_request") or {}).get("number") or payload.get("number")
        if where is None or number is None:
            return None
        owner, name, installation = where
        return Forget(installation, owner, name, number)
    action = payload.get("action")
    base_changed = action == "edited" and "base" in (payload.get("changes") or {})
    if action not in PR_ACTIONS and not base_changed:
        return None  # an edit of the title or body changes nothing we check
    pr = payload.get("pull_request") or {}
    if pr.get("state") == "closed":
        return None
    return _review(
        payload,
        pr.get("number") or payload.get("number"),
        (pr.get("head") or {}).get("sha", ""),
        (pr.get("base") or {}).get("ref"),
        "pull_request.edited (base changed)" if base_changed else f"pull_request.{action}",
    )


def _rerequest(payload: dict[str, Any], run: dict[str, Any], event_name: str) -> RepoJob | None:
    if payload.get("action") != "rerequested":
        return None
    pulls = run.get("pull_requests") or []
    first = pulls[0] if pulls else {}
    return _review(
        payload,
        first.get("number"),
        run.get("head_sha", ""),
        (first.get("base") or {}).get("ref"),
        f"{event_name}.rerequested",
    )


def on_check_run(payload: dict[str, Any]) -> RepoJob | None:
    return _rerequest(payload, payload.get("check_run") or {}, "check_run")


def on_check_suite(payload: dict[str, Any]) -> RepoJob | None:
    return _rerequest(payload, payload.get("check_suite") or {}, "check_suite")


def on_push(payload: dict[str, Any]) -> RepoJob | None:
    """A push to a branch: open pull requests against it may now collide (filtered in the web layer)."""
    ref = payload.get("ref") or ""
    where = _repo(payload)
    if where is None or not ref.startswith("refs/heads/") or payload.get("deleted"):
        return None
    owner, name, installation = where
    branch = ref.removeprefix("refs/heads/")
    return BaseMoved(installation, owner, name, branch, payload.get("after"))


def _command(payload: dict[str, Any], number: int | None, kind: str) -> RepoJob | None:
    """A new comment whose first line starts with ``/migrations`` (edits are not run again; bots are ignored)."""
    comment = payload.get("comment") or {}
    user = comment.get("user") or {}
    line = (comment.get("body") or "").strip().splitlines()[0:1]
    if payload.get("action") != "created" or number is None or not line or not line[0].startswith("/migrations"):
        return None
    if (
        user.get("type") == "Bot"
        or (user.get("login") or "").endswith("[bot]")
        or comment.get("performed_via_github_app")
    ):
        return None
    where = _repo(payload)
    if where is None:
        return None
    owner, name, installation = where
    comment_id = cast(int, comment.get("id"))  # its shape is checked with every other field (``jobs.validated``)
    return Command(installation, owner, name, number, comment_id, kind, user.get("login", ""), line[0],
                   comment.get("created_at"))  # fmt: skip


def on_issue_comment(payload: dict[str, Any]) -> RepoJob | None:
    issue = payload.get("issue") or {}
    if not issue.get("pull_request"):
        return None  # a comment on an issue, not on a pull request
    return _command(payload, issue.get("number"), "issue")


def on_review_comment(payload: dict[str, Any]) -> RepoJob | None:
    return _command(payload, (payload.get("pull_request") or {}).get("number"), "review")


def on_deployment_status(payload: dict[str, Any]) -> RepoJob | None:
    """A successful deployment moves what counts as deployed for its environment."""
    status = payload.get("deployment_status") or {}
    deployment = payload.get("deployment") or {}
    where = _repo(payload)
    if where is None or status.get("state") != "success" or not deployment.get("sha"):
        return None
    owner, name, installation = where
    environment = deployment.get("environment") or status.get("environment") or ""
    return Deployment(installation, owner, name, environment, deployment["sha"], deployment.get("ref"))


HANDLERS: dict[str, Callable[[dict[str, Any]], RepoJob | None]] = {
    "pull_request": on_pull_request,
    "check_run": on_check_run,
    "check_suite": on_check_suite,
    "push": on_push,
    "issue_comment": on_issue_comment,
    "pull_request_review_comment": on_review_comment,
    "deployment_status": on_deployment_status,
}


#: the permission GitHub requires before it delivers each handled event to an App
EVENT_PERMISSIONS: dict[str, tuple[str, str]] = {
    "pull_request": ("pull_requests", "read"),
    "check_run": ("checks", "read"),
    "check_suite": ("checks", "read"),
    "push": ("contents", "read"),
    "issue_comment": ("issues", "read"),
    "pull_request_review_comment": ("pull_requests", "read"),
    "deployment_status": ("deployments", "read"),
}


def job_for(event_name: str, payload: dict[str, Any]) -> JobSpec | None:
    """The job a delivery asks for, or None for events and actions the App does not act on.
    Raises ``PayloadError`` for a payload whose fields have the wrong shapes."""
    handler = HANDLERS.get(event_name)
    if handler is None:
        return None
    try:
        job = handler(payload)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise PayloadError(f"payload cannot be read: {type(exc).__name__}") from None
    return spec(job) if job is not None else None
