"""One-click registration (GitHub's manifest flow), for a service started without App credentials.

``GET /setup`` shows a button that posts the manifest (``bot.app.manifest``: the events the
handlers consume, the permissions the calls declare, this service's URLs) to GitHub with a
one-time ``state``. GitHub creates the App and sends the browser back to ``GET /setup/callback``
with a ``code``, which is exchanged (``POST /app-manifests/{code}/conversions``) for the App's id,
private key and webhook secret. They are stored in the service's database (never logged, never
shown) and the service starts reviewing without a restart; ``/setup`` then answers 404.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
import threading
from collections.abc import Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.app.manifest import manifest
from bot.store import Registration, Store

log = logging.getLogger("migration_guard.setup")
STATE_TTL_STATES = 20  # at most this many pages may be open at once; older states expire


class SetupFlow:
    """The registration's state: the ``state`` values handed out, and what to do once registered."""

    def __init__(self, store: Store, public_url: str, api_url: str, web_url: str,
                 on_registered: Callable[[Registration], None]) -> None:  # fmt: skip
        self.store = store
        self.public_url = public_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.web_url = web_url.rstrip("/")
        self.on_registered = on_registered
        self._states: list[str] = []
        self._lock = threading.Lock()

    def new_state(self) -> str:
        state = secrets.token_urlsafe(24)
        with self._lock:
            self._states = [*self._states[-(STATE_TTL_STATES - 1) :], state]
        return state

    def take_state(self, state: str) -> bool:
        with self._lock:
            if state and state in self._states:
                self._states.remove(state)
                return True
        return False

    def page(self, organization: str | None) -> str:
        state = self.new_state()
        where = (f"{self.web_url}/organizations/{organization}/settings/apps/new" if organization
                 else f"{self.web_url}/settings/apps/new")  # fmt: skip
        data = html.escape(json.dumps(manifest(self.public_url)), quote=True)
        target = html.escape(f"{where}?state={state}", quote=True)
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Register Migration Guard</title>'
            "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}"
            "button{font-size:1rem;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #1f883d;"
            "background:#1f883d;color:#fff;cursor:pointer}</style></head><body>"
            "<h1>Register Migration Guard</h1>"
            f"<p>This service (<code>{html.escape(self.public_url)}</code>) has no GitHub App yet. The button "
            "creates one on GitHub with the events and permissions the service uses; GitHub then sends you back "
            "here and the service starts reviewing. To register it for an organization, open "
            "<code>/setup?org=NAME</code>.</p>"
            f'<form action="{target}" method="post"><input type="hidden" name="manifest" value="{data}">'
            '<button type="submit">Register the GitHub App</button></form></body></html>'
        )

    def convert(self, code: str) -> Registration:
        """GitHub's answer to the code: the new App's identity (``POST /app-manifests/{code}/conversions``)."""
        response = httpx.post(f"{self.api_url}/app-manifests/{code}/conversions", timeout=30.0,
                              headers={"Accept": "application/vnd.github+json"})  # fmt: skip
        if response.status_code != 201:
            raise ValueError(f"GitHub answered {response.status_code} to the conversion")
        data = response.json()
        return Registration(int(data["id"]), str(data["slug"]), str(data["html_url"]), str(data["pem"]),
                            str(data["webhook_secret"]))  # fmt: skip


def setup_app(flow: SetupFlow, healthz: Callable[[Request], Awaitable[Response]]) -> Starlette:
    """The routes of a service that is not registered yet."""

    async def setup(request: Request) -> Response:
        organization = request.query_params.get("org") or None
        if organization is not None and not organization.replace("-", "").isalnum():
            return HTMLResponse("<p>Not an organization name.</p>", status_code=400)
        return HTMLResponse(flow.page(organization))

    async def callback(request: Request) -> Response:
        code, state = request.query_params.get("code", ""), request.query_params.get("state", "")
        if not flow.take_state(state):
            return HTMLResponse("<p>This registration link expired or was not started here: "
                                '<a href="/setup">start again</a>.</p>', status_code=400)  # fmt: skip
        if not code or len(code) > 200 or not code.replace("-", "").replace("_", "").isalnum():
            return HTMLResponse("<p>GitHub sent no usable code: <a href=\"/setup\">start again</a>.</p>",
                                status_code=400)  # fmt: skip
        try:
            registration = flow.convert(code)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            log.warning("registration failed: %s", type(exc).__name__)
            return HTMLResponse("<p>GitHub did not confirm the registration: <a href=\"/setup\">start again</a>."
                                "</p>", status_code=502)  # fmt: skip
        if not flow.store.save_registration(registration):
            return HTMLResponse("<p>This service is already registered.</p>", status_code=409)
        log.info("registered as GitHub App %s (%s)", registration.app_id, registration.slug)
        flow.on_registered(registration)
        return RedirectResponse(f"{registration.html_url}/installations/new", status_code=303)

    async def not_yet(_request: Request) -> JSONResponse:
        return JSONResponse({"error": "not registered yet: open /setup"}, status_code=503)

    return Starlette(routes=[
        Route("/setup", setup),
        Route("/setup/callback", callback),
        Route("/webhook", not_yet, methods=["POST"]),
        Route("/healthz", healthz),
    ])  # fmt: skip


class Switch:
    """An ASGI app whose routes change once: the setup routes until registered, then the service's."""

    def __init__(self, inner: Starlette) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        await self.inner(scope, receive, send)
