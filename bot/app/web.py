"""The HTTP front door: ``POST /webhook``, ``GET /healthz`` and the rule pages comments link to.

The webhook answer takes milliseconds and makes no GitHub call: verify the signature over the
raw body, record the delivery and its job in one transaction, wake a worker, answer 202.
Everything else happens in ``bot.app.worker``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import tempfile
import threading
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.app.jobs import BaseMoved, PayloadError, read
from bot.app.webhooks import job_for
from bot.store import Store

MAX_BODY = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
SPOOL_IN_MEMORY = 1024 * 1024  # an unauthenticated body past this waits on disk
BODY_READ_TIMEOUT = 10.0  # seconds between two chunks of a body
log = logging.getLogger("migration_guard.web")


class _Waker:
    """Wakes the workers from its own thread: the event loop only sets a flag. (Setting a
    ``multiprocessing.Event`` can block when a worker died holding its lock; the event loop, and
    with it every request, ``/healthz`` included, must never wait on that. Workers also poll.)"""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._pending = threading.Event()
        threading.Thread(target=self._run, daemon=True, name="waker").start()

    def poke(self) -> None:
        self._pending.set()

    def _run(self) -> None:
        while True:
            self._pending.wait()
            self._pending.clear()
            try:
                self._wake()
            except Exception:
                log.exception("could not wake the workers; they will poll")


def _utc(epoch: float) -> str:
    return dt.datetime.fromtimestamp(round(epoch), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_app(
    store: Store,
    webhook_secret: str,
    wake: Callable[[], None] = lambda: None,
    workers_alive: Callable[[], int | None] = lambda: None,
) -> Starlette:
    """``workers_alive``: how many worker processes live (``None`` when workers are threads here)."""

    waker = _Waker(wake)

    async def webhook(request: Request) -> JSONResponse:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return JSONResponse({"error": "payload too large"}, status_code=413)
        header = request.headers.get("x-hub-signature-256")
        if not header or not header.startswith("sha256="):
            return JSONResponse({"error": "missing or wrong X-Hub-Signature-256"}, status_code=401)
        # Not yet authenticated: hashed as it arrives and spooled to disk past 1 MiB, so twenty
        # 25 MB bodies from anyone cost disk, not the front door's memory; a stalled sender times out.
        mac = hmac.new(webhook_secret.encode(), digestmod=hashlib.sha256)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            size = 0
            stream = request.stream().__aiter__()
            while True:
                try:
                    chunk = await asyncio.wait_for(stream.__anext__(), BODY_READ_TIMEOUT)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    return JSONResponse({"error": "body read timed out"}, status_code=408)
                size += len(chunk)
                if size > MAX_BODY:
                    return JSONResponse({"error": "payload too large"}, status_code=413)
                mac.update(chunk)
                spool.write(chunk)
            if not hmac.compare_digest(("sha256=" + mac.hexdigest()).encode(), header.strip().encode()):
                return JSONResponse({"error": "missing or wrong X-Hub-Signature-256"}, status_code=401)
            spool.seek(0)
            raw = spool.read()
        event_name = request.headers.get("x-github-event", "")
        delivery = request.headers.get("x-github-delivery", "")
        if not event_name or not delivery:
            return JSONResponse({"error": "X-GitHub-Event and X-GitHub-Delivery are required"}, status_code=400)
        if len(delivery) > 200 or len(event_name) > 100:  # GitHub's are a UUID and a short name
            return JSONResponse({"error": "X-GitHub-Delivery or X-GitHub-Event too long"}, status_code=400)
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        except RecursionError:
            return JSONResponse({"error": "body is nested too deeply"}, status_code=400)
        if not isinstance(payload, dict):
            return JSONResponse({"error": "body is not a JSON object"}, status_code=400)
        try:
            spec = job_for(event_name, payload)
        except PayloadError as exc:  # signed, yet not what GitHub sends: nothing is queued
            return JSONResponse({"error": str(exc)}, status_code=422)
        if spec is not None and spec.kind == BaseMoved.KIND:
            moved = read(BaseMoved, spec.payload)
            if not await run_in_threadpool(store.open_prs_on, moved.full_name, moved.branch):
                spec = None  # no open pull request with migrations targets this branch
        if spec is None:
            return JSONResponse({"status": "ignored", "event": event_name}, status_code=200)
        outcome = await run_in_threadpool(store.record_delivery, delivery, event_name, spec)
        if outcome == "duplicate":
            return JSONResponse({"status": "duplicate", "delivery": delivery}, status_code=200)
        waker.poke()
        log.info("queued %s for %s (delivery %s)", spec.kind, spec.dedupe_key, delivery)
        return JSONResponse({"status": "queued", "delivery": delivery}, status_code=202)

    async def healthz(_request: Request) -> JSONResponse:
        reachable = await run_in_threadpool(store.ping)
        counts = await run_in_threadpool(store.job_counts) if reachable else {}
        limited = await run_in_threadpool(store.throttled) if reachable else {}
        alive = workers_alive()
        healthy = reachable and alive != 0
        body: dict[str, object] = {
            "status": ("rate limited" if limited else "ok") if healthy
            else ("database unreachable" if not reachable else "no worker alive"),
            "database": reachable,
            "jobs_waiting": counts.get("queued", 0),
            "jobs_running": counts.get("running", 0),
            # GitHub refuses these installations' calls until then: their jobs wait (still 200: a
            # restart would not help)
            "rate_limited": [{"installation_id": installation, "until": _utc(until)}
                             for installation, until in limited.items()],
        }  # fmt: skip
        if alive is not None:
            body["workers_alive"] = alive
        return JSONResponse(body, status_code=200 if healthy else 503)

    async def rule_page(request: Request) -> Response:
        from bot.report.rule_docs import as_html  # lazy: every rule module loads at the first page, not at start
        from rules import ALIASES, RULES  # lazy: the same; the door opens without them

        asked = request.path_params["rule"]
        aliased = ALIASES.get(asked, ())
        rule = RULES.get(aliased[0] if len(aliased) == 1 else asked)
        if rule is None:
            return PlainTextResponse("No such rule. See /rules for the list.\n", status_code=404)
        return HTMLResponse(as_html(rule))

    async def rule_list(_request: Request) -> Response:
        from bot.report.rule_docs import index_html  # lazy: see rule_page

        return HTMLResponse(index_html())

    return Starlette(
        routes=[
            Route("/webhook", webhook, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/rules", rule_list),
            Route("/rules/{rule}", rule_page),
        ]
    )
