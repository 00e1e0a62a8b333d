"""The App's identity when it registered itself (``/setup``): read at start-up so a registered
service reviews without credentials in its environment."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from bot.store.database import Database
from bot.store.schema import app_registration


@dataclass(frozen=True)
class Registration:
    app_id: int
    slug: str
    html_url: str
    private_key: str = field(repr=False)  # secrets never appear in a repr, a log line or a traceback
    webhook_secret: str = field(repr=False)


class RegistrationStore(Database):
    def registration(self) -> Registration | None:
        with self.engine.connect() as db:
            row = db.execute(select(app_registration).where(app_registration.c.id == 1)).first()
        if row is None:
            return None
        return Registration(row.app_id, row.slug, row.html_url, row.private_key, row.webhook_secret)

    def save_registration(self, registration: Registration) -> bool:
        """Keep the first registration only; False when one was already saved (a second callback)."""
        try:
            with self._write() as db:
                db.execute(insert(app_registration).values(
                    id=1, app_id=registration.app_id, slug=registration.slug, html_url=registration.html_url,
                    private_key=registration.private_key, webhook_secret=registration.webhook_secret,
                    created_at=time.time()))  # fmt: skip
        except IntegrityError:
            return False
        return True
