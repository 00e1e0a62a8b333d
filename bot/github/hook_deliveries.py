"""The App's own webhook deliveries, as GitHub recorded them (``GET /app/hook/deliveries``), and
asking GitHub to deliver one again (``POST /app/hook/deliveries/{id}/attempts``).

GitHub does not retry a delivery the service failed to answer; its guide "Handling failed webhook
deliveries" says to list the attempts and ask for the failed ones again. Both calls are the App's
(signed with its JWT), not an installation's: no repository permission is involved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from githubkit import GitHub  # the App's client (JWT); this module loads without githubkit

PER_PAGE = 100
_NEXT_CURSOR = re.compile(r'<[^>]*[?&]cursor=([^&>]+)[^>]*>;\s*rel="next"')


@dataclass(frozen=True)
class HookDelivery:
    """One attempt GitHub made (a redelivery is an attempt of its own, with the same ``guid``)."""

    id: int
    guid: str  # the X-GitHub-Delivery header: the same for every attempt of one event
    delivered_at: dt.datetime
    redelivery: bool
    status_code: int  # what the service answered; not 2xx (0: no answer at all) is a failure
    event: str
    action: str | None

    @property
    def failed(self) -> bool:
        return not 200 <= self.status_code < 300


def deliveries(app: GitHub) -> Iterator[HookDelivery]:
    """Every attempt, newest first, page by page (``cursor`` from the ``Link`` header): the caller
    stops reading where it has seen enough, so only the pages it needs are fetched."""
    cursor: str | None = None
    while True:
        if cursor is None:
            response = app.rest.apps.list_webhook_deliveries(per_page=PER_PAGE)
        else:
            response = app.rest.apps.list_webhook_deliveries(per_page=PER_PAGE, cursor=cursor)
        for item in response.parsed_data:
            yield HookDelivery(item.id, item.guid, item.delivered_at, item.redelivery, item.status_code, item.event,
                               item.action)  # fmt: skip
        found = _NEXT_CURSOR.search(response.headers.get("link", ""))
        if found is None:
            return
        cursor = found.group(1)


def redeliver(app: GitHub, delivery_id: int) -> None:
    """Ask GitHub to attempt this delivery again (it answers 202 and delivers soon after)."""
    app.rest.apps.redeliver_webhook_delivery(delivery_id)
