"""The open pull request index: what every open pull request adds, for collisions between them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    delete,
    insert,
    select,
)

from bot.core.model import OpenPrMigration
from bot.store.database import Database
from bot.store.schema import open_prs, pr_migrations


@dataclass(frozen=True)
class OpenPr:
    repo: str
    pr: int
    installation_id: int
    base_ref: str
    head_sha: str


class OpenPrStore(Database):
    """Open pull requests and their migrations."""

    # -- open pull requests and what they add ----------------------------------------------
    def remember_pr(self, pr: OpenPr, migrations: Iterable[OpenPrMigration]) -> None:
        now = time.time()
        rows = [
            {"repo": pr.repo, "pr": pr.pr, "framework": m.framework, "namespace": m.namespace, "key": m.key,
             "parents": json.dumps(list(m.parents)), "path": m.path}
            for m in migrations
            if len(m.key) <= 500 and len(m.namespace) <= 500  # a 600-character revision id: not indexed
        ]  # fmt: skip
        with self._write() as db:
            db.execute(delete(open_prs).where(open_prs.c.repo == pr.repo, open_prs.c.pr == pr.pr))
            db.execute(delete(pr_migrations).where(pr_migrations.c.repo == pr.repo, pr_migrations.c.pr == pr.pr))
            db.execute(
                insert(open_prs).values(
                    repo=pr.repo,
                    pr=pr.pr,
                    installation_id=pr.installation_id,
                    base_ref=pr.base_ref,
                    head_sha=pr.head_sha,
                    updated_at=now,
                )
            )
            if rows:
                db.execute(insert(pr_migrations), rows)

    def forget_pr(self, repo: str, pr: int) -> None:
        with self._write() as db:
            db.execute(delete(open_prs).where(open_prs.c.repo == repo, open_prs.c.pr == pr))
            db.execute(delete(pr_migrations).where(pr_migrations.c.repo == repo, pr_migrations.c.pr == pr))

    def open_prs_on(self, repo: str, base_ref: str) -> list[OpenPr]:
        with self.engine.connect() as db:
            rows = db.execute(
                select(open_prs).where(open_prs.c.repo == repo, open_prs.c.base_ref == base_ref).order_by(open_prs.c.pr)
            )
            return [OpenPr(r.repo, r.pr, r.installation_id, r.base_ref, r.head_sha) for r in rows]

    def migrations_of_other_prs(self, repo: str, base_ref: str, pr: int) -> list[OpenPrMigration]:
        with self.engine.connect() as db:
            rows = db.execute(
                select(pr_migrations)
                .join(open_prs, (open_prs.c.repo == pr_migrations.c.repo) & (open_prs.c.pr == pr_migrations.c.pr))
                .where(pr_migrations.c.repo == repo, open_prs.c.base_ref == base_ref, pr_migrations.c.pr != pr)
                .order_by(pr_migrations.c.pr, pr_migrations.c.path)
            )
            return [
                OpenPrMigration(r.pr, r.framework, r.namespace, r.key, tuple(json.loads(r.parents)), r.path)
                for r in rows
            ]
