"""What the App published on each pull request, so a re-run neither piles up nor repeats comments."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import (
    delete,
    insert,
    select,
    update,
)

from bot.store.database import Database
from bot.store.schema import published


@dataclass(frozen=True)
class Published:
    fingerprint: str
    kind: str
    state: str
    review_id: int | None


class LedgerStore(Database):
    """The published-comment ledger."""

    # -- what was published on a pull request --------------------------------------------
    def published_for(self, repo: str, pr: int) -> dict[str, Published]:
        with self.engine.connect() as db:
            rows = db.execute(select(published).where(published.c.repo == repo, published.c.pr == pr))
            return {r.fingerprint: Published(r.fingerprint, r.kind, r.state, r.review_id) for r in rows}

    def record_published(
        self, repo: str, pr: int, head_sha: str, items: Mapping[str, str], review_id: int | None, state: str = "active"
    ) -> None:
        """``items``: fingerprint -> kind (``comment`` or ``body``)."""
        now = time.time()
        with self._write() as db:
            if items:
                db.execute(
                    delete(published).where(
                        published.c.repo == repo, published.c.pr == pr, published.c.fingerprint.in_(list(items))
                    )
                )
                db.execute(
                    insert(published),
                    [
                        {
                            "repo": repo,
                            "pr": pr,
                            "fingerprint": fp,
                            "kind": kind,
                            "state": state,
                            "review_id": review_id,
                            "head_sha": head_sha,
                            "updated_at": now,
                        }
                        for fp, kind in items.items()
                    ],
                )

    def mark_hidden(self, repo: str, pr: int, fingerprints: Iterable[str]) -> None:
        fps = list(fingerprints)
        if not fps:
            return
        with self._write() as db:
            db.execute(
                update(published)
                .where(published.c.repo == repo, published.c.pr == pr, published.c.fingerprint.in_(fps))
                .values(state="hidden", updated_at=time.time())
            )
