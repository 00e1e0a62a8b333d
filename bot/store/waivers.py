"""Decisions people made: waivers (`/migrations ignore`) and the last successful deployment per
environment (``deployment_status``)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import (
    delete,
    insert,
    select,
)

from bot.store.database import Database
from bot.store.schema import deployed_refs, waivers


@dataclass(frozen=True)
class Waiver:
    id: int
    rule: str
    path: str
    reason: str
    author: str
    head_sha: str
    blobs: dict[str, str]


class WaiverStore(Database):
    """Waivers and deployed refs."""

    # -- waivers -------------------------------------------------------------------------------
    def add_waiver(self, repo: str, pr: int, rule: str, path: str, reason: str, author: str, head_sha: str,
                   blobs: Mapping[str, str]) -> None:  # fmt: skip
        with self._write() as db:
            db.execute(
                delete(waivers).where(waivers.c.repo == repo, waivers.c.pr == pr, waivers.c.rule == rule,
                                      waivers.c.path == path)
            )  # fmt: skip
            db.execute(
                insert(waivers).values(repo=repo, pr=pr, rule=rule, path=path, reason=reason, author=author,
                                       head_sha=head_sha, blobs=json.dumps(dict(blobs)), created_at=time.time())
            )  # fmt: skip

    def remove_waiver(self, repo: str, pr: int, rule: str, path: str | None) -> int:
        condition = (waivers.c.repo == repo) & (waivers.c.pr == pr) & (waivers.c.rule == rule)
        if path is not None:
            condition = condition & (waivers.c.path == path)
        with self._write() as db:
            return db.execute(delete(waivers).where(condition)).rowcount

    def waivers_for(self, repo: str, pr: int) -> list[Waiver]:
        with self.engine.connect() as db:
            rows = db.execute(select(waivers).where(waivers.c.repo == repo, waivers.c.pr == pr).order_by(waivers.c.id))
            return [Waiver(r.id, r.rule, r.path, r.reason, r.author, r.head_sha, json.loads(r.blobs)) for r in rows]

    # -- deployed refs ---------------------------------------------------------------------
    def deployed_sha(self, repo: str, environment: str) -> tuple[str, str | None, float] | None:
        """(commit, ref, when it was read) of the environment's newest known deployment."""
        with self.engine.connect() as db:
            row = db.execute(
                select(deployed_refs.c.sha, deployed_refs.c.ref, deployed_refs.c.updated_at).where(
                    deployed_refs.c.repo == repo, deployed_refs.c.environment == environment
                )
            ).first()
        return (row.sha, row.ref, row.updated_at) if row else None

    def set_deployed(self, repo: str, environment: str, sha: str, ref: str | None) -> None:
        with self._write() as db:
            db.execute(
                delete(deployed_refs).where(deployed_refs.c.repo == repo, deployed_refs.c.environment == environment)
            )
            db.execute(insert(deployed_refs).values(repo=repo, environment=environment, sha=sha, ref=ref,
                                                    updated_at=time.time()))  # fmt: skip
