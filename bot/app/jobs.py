"""The App's job kinds and their payloads, as typed records: one definition used by webhooks
(which ask for jobs), commands and reviews (which ask for re-reviews) and the worker's handlers.

A payload is stored as JSON in the queue; ``spec`` writes a record there and ``read`` reads it
back, checking every field against the shapes GitHub sends, so a queued job can only fail for
GitHub's reasons and never because of a field it carries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, TypeVar

from bot.store import JobSpec


class PayloadError(ValueError):
    """A signed payload whose fields are not of the shapes GitHub sends: refused, nothing queued."""


@dataclass(frozen=True)
class RepoJob:
    """Every job names an installation and a repository."""

    KIND: ClassVar[str] = ""
    installation_id: int
    owner: str
    repo: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def dedupe_key(self) -> str:
        """A newer job with the same key replaces a queued older one."""
        raise NotImplementedError


@dataclass(frozen=True)
class Review(RepoJob):
    """Review a pull request's head (``number``/``base_ref`` unknown: a re-requested check run)."""

    KIND: ClassVar[str] = "review"
    number: int | None
    head_sha: str
    base_ref: str | None
    reason: str

    def dedupe_key(self) -> str:
        return f"{self.full_name}#{self.number}" if self.number is not None else f"{self.full_name}@{self.head_sha}"


@dataclass(frozen=True)
class Forget(RepoJob):
    """A pull request closed: drop it from the open-PR index."""

    KIND: ClassVar[str] = "forget"
    number: int

    def dedupe_key(self) -> str:
        return f"{self.full_name}#{self.number}:closed"


@dataclass(frozen=True)
class BaseMoved(RepoJob):
    """A push to a branch: open pull requests against it may now collide."""

    KIND: ClassVar[str] = "base_moved"
    branch: str
    after: str | None

    def dedupe_key(self) -> str:
        return f"{self.full_name}@{self.branch}"


@dataclass(frozen=True)
class Command(RepoJob):
    """A `/migrations ...` comment; ``kind`` says where it was written (``issue`` or ``review``)."""

    KIND: ClassVar[str] = "command"
    number: int
    comment_id: int
    kind: str
    author: str
    line: str
    created_at: str | None

    def dedupe_key(self) -> str:
        return f"{self.full_name}#{self.number}:comment:{self.comment_id}"


@dataclass(frozen=True)
class Deployment(RepoJob):
    """A successful deployment moved what counts as deployed for an environment."""

    KIND: ClassVar[str] = "deployment"
    environment: str
    sha: str
    ref: str | None

    def dedupe_key(self) -> str:
        return f"{self.full_name}:deployed:{self.environment}"


KINDS: dict[str, type[RepoJob]] = {k.KIND: k for k in (Review, Forget, BaseMoved, Command, Deployment)}

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
#: field -> (accepted types, check): what a queued job may carry
_FIELDS: dict[str, tuple[tuple[type, ...], Callable[[Any], bool]]] = {
    "installation_id": ((int,), lambda v: v > 0),
    "owner": ((str,), lambda v: bool(_NAME.match(v))),
    "repo": ((str,), lambda v: bool(_NAME.match(v))),
    "number": ((int, type(None)), lambda v: v is None or v > 0),
    "head_sha": ((str,), lambda v: bool(_SHA.match(v))),
    "base_ref": ((str, type(None)), lambda v: v is None or 0 < len(v) <= 255),
    "reason": ((str,), lambda v: len(v) <= 1_000),
    "branch": ((str,), lambda v: 0 < len(v) <= 255),
    "after": ((str, type(None)), lambda v: v is None or len(v) <= 64),
    "comment_id": ((int,), lambda v: v > 0),
    "kind": ((str,), lambda v: v in ("issue", "review")),
    "author": ((str,), lambda v: 0 < len(v) <= 100),
    "line": ((str,), lambda v: len(v) <= 2_000),
    "environment": ((str,), lambda v: 0 < len(v) <= 255),
    "sha": ((str,), lambda v: bool(_SHA.match(v))),
    "ref": ((str, type(None)), lambda v: v is None or len(v) <= 255),
    "created_at": ((str, type(None)), lambda v: v is None or len(v) <= 40),
}


def validated(job: RepoJob) -> RepoJob:
    """The record itself when every field has a shape GitHub sends; ``PayloadError`` otherwise."""
    for f in fields(job):
        value = getattr(job, f.name)
        types, check = _FIELDS[f.name]
        if isinstance(value, bool) or not isinstance(value, types) or not check(value):
            raise PayloadError(f"payload field {f.name!r} is not what GitHub sends")
    return job


def spec(job: RepoJob) -> JobSpec:
    """What the queue stores for a job."""
    return JobSpec(job.KIND, job.dedupe_key(), asdict(validated(job)))


J = TypeVar("J", bound=RepoJob)


def read(kind: type[J], payload: Mapping[str, Any]) -> J:
    """A stored payload as its record (fields it does not know are ignored: an older release's)."""
    names = {f.name for f in fields(kind)}
    return validated(kind(**{k: v for k, v in payload.items() if k in names}))  # type: ignore[return-value]
