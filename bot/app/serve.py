"""``migration-guard serve``: the webhook front door in one process, workers in their own processes.

Reviewing a pull request is CPU work (parsing, rules); in the web process it would compete for
the GIL with the event loop and slow down the webhook answer GitHub waits for. So the web
process only verifies, records and acknowledges; ``MIGRATION_GUARD_WORKERS`` worker processes
claim jobs from the database. A worker process dies with its parent (Linux), so a killed
service leaves no orphan running its jobs; the jobs' leases lapse and a restart resumes them.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.app import redeliver
from bot.app.jobs import BaseMoved, Command, Deployment, Forget, Review
from bot.app.redeliver import KIND as REDELIVER
from bot.app.redeliver import SPEC as REDELIVERY_SCAN
from bot.app.setup import ClosedSetup, SetupFlow, Switch, setup_app
from bot.app.web import create_app
from bot.app.worker import Workers
from bot.core.settings import Settings, SettingsError, database_url_from, public_url_from
from bot.gc_policy import tune as tune_collector
from bot.store import Job, Registration, Store

if TYPE_CHECKING:
    from bot.github.client import GitHubApp

LOG_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per GitHub call is noise


@dataclass
class Service:
    settings: Settings
    store: Store
    workers: Workers
    web: Starlette


def open_store(settings: Settings, checkpoints: bool = True) -> Store:
    store = Store(settings.database_url, checkpoints=checkpoints)
    store.create_schema()
    return store


def build_workers(settings: Settings, store: Store, wake_event: Any = None, count: int | None = None) -> Workers:
    # The review's machinery (GitHub client, pipeline, every rule) loads where jobs run: in the
    # worker processes, after nice(5) and after the front door is open; the web process never
    # imports it, so the door opens in a fraction of the time (README, Performance).
    from bot.app.commands import run_command  # lazy: worker processes only (see above)
    from bot.app.retention import Retention  # lazy: worker processes only (see above)
    from bot.app.review import (  # lazy: worker processes only (see above)
        forget_pull_request,
        recheck_open_pull_requests,
        record_deployment,
        run_review,
        say_waiting,
    )
    from bot.app.throttle import throttled  # lazy: worker processes only (see above)
    from bot.github.client import GitHubApp  # lazy: worker processes only (see above)

    github = GitHubApp(settings)
    return Workers(
        store,
        {
            # the kinds that call GitHub wait out a long rate limit in the queue (bot.app.throttle)
            Review.KIND: throttled(lambda job: run_review(job, github, store, settings), store,
                                   lambda job, until: say_waiting(job, github, store, settings, until)),
            Forget.KIND: lambda job: forget_pull_request(job, store),
            BaseMoved.KIND: lambda job: recheck_open_pull_requests(job, store),
            Command.KIND: throttled(lambda job: run_command(job, github, store, settings), store),
            Deployment.KIND: lambda job: record_deployment(job, store),
            REDELIVER: lambda _job: redeliver.run_redelivery_scan(github.app, store, settings.redelivery_interval_seconds,
                                                        store.enqueue),
        },
        lambda job, reason: give_up(job, github, store, settings, reason),
        count=settings.workers if count is None else count,
        lease_seconds=settings.job_lease_seconds,
        max_attempts=settings.max_attempts,
        retry_base_seconds=settings.retry_base_seconds,
        wake_event=wake_event,
        retention=Retention(store, settings.job_retention_days * 86400),
    )


def give_up(job: Job, github: GitHubApp, store: Store, settings: Settings, reason: str) -> None:
    """A job failed for good: leave nothing hanging (a check run in progress, a command unanswered)."""
    from bot.app.commands import give_up_command  # lazy: worker processes only (see build_workers)
    from bot.app.review import conclude_failed  # lazy: worker processes only (see build_workers)

    if job.kind == Review.KIND:
        conclude_failed(job, github, store, settings, reason)
    elif job.kind == Command.KIND:
        give_up_command(job, github, store, settings, reason)


def build_service(settings: Settings) -> Service:
    """Everything in one process, nothing started: what the tests drive."""
    store = open_store(settings)
    if store.is_sqlite:
        store.release_all_running()  # one service per SQLite file: its running jobs died with it
    workers = build_workers(settings, store)
    web = create_app(store, settings.webhook_secret, workers.wake)
    return Service(settings, store, workers, web)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def _worker_main(settings: Settings, wake_event: Any, parent: int) -> None:
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the death signal was armed: do not linger
        os._exit(0)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True, name="orphan-watch").start()
    with contextlib.suppress(OSError):
        os.nice(5)  # the webhook answer is what GitHub waits for: on a busy machine the front door wins
    _configure_logging()
    tune_collector()  # a spawned process starts with CPython's defaults (``bot.gc_policy``)
    store = Store(settings.database_url)
    workers = build_workers(settings, store, wake_event=wake_event, count=1)
    workers.start()
    logging.getLogger("migration_guard.serve").info("worker ready (pid %s)", os.getpid())
    signal.sigwait({signal.SIGTERM, signal.SIGINT})  # blocked in the parent before the start, so inherited
    workers.stop()


def _exit_when_orphaned(parent: int) -> None:
    """Belt and braces where the death signal is not available (not Linux): poll the parent."""
    while True:
        time.sleep(2)
        if os.getppid() != parent:
            os._exit(0)


class Supervisor:
    """Keeps ``count`` worker processes alive: one that dies (signal, segfault, OOM kill) is
    replaced within a second; ``alive()`` feeds ``/healthz``. ``serve`` starts it once the door
    is open, so the workers' start-up (imports, parsers) never delays the first answer."""

    def __init__(self, settings: Settings, wake_event: Any, count: int) -> None:
        self.settings, self.wake_event, self.count = settings, wake_event, count
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[Any] = []
        self.restarts = 0
        self.started = False
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def _spawn(self, n: int) -> Any:
        # Not daemonic: a worker starts its own analysing process; it still dies with this one
        # (parent-death signal, orphan watch) and is stopped and joined in ``stop``.
        process = self.context.Process(
            target=_worker_main, args=(self.settings, self.wake_event, os.getpid()), name=f"worker-{n}", daemon=False
        )
        process.start()
        return process

    def start(self) -> None:
        with self._lock:
            if self._stop.is_set():  # the service stopped before its door opened
                return
            logging.getLogger("migration_guard.serve").info("starting %s worker processes", self.count)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})  # children inherit: sigwait
            try:
                self.processes = [self._spawn(n) for n in range(self.count)]
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
            self.started = True
        threading.Thread(target=self._watch, daemon=True, name="supervisor").start()

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                for n, process in enumerate(self.processes):
                    if process.exitcode is not None and not self._stop.is_set():
                        logging.getLogger("migration_guard.serve").warning(
                            "worker-%s exited (%s); starting a new one", n, process.exitcode
                        )
                        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
                        try:
                            self.processes[n] = self._spawn(n)
                        finally:
                            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
                        self.restarts += 1

    def alive(self) -> int | None:
        """Worker processes alive; None in the moment between the door opening and their start
        (``/healthz`` then says ok without a count: they are being started, not dead)."""
        with self._lock:
            if not self.started:
                return None
            return sum(1 for p in self.processes if p.is_alive())

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            for process in self.processes:
                process.terminate()
            for process in self.processes:
                process.join(10)


def serve(host: str, port: int, env: Mapping[str, str] | None = None) -> None:
    """Serve with the App's credentials from the environment, else from an earlier one-click
    registration in the database, else in setup mode: ``/setup`` registers the App, and the
    service starts reviewing as soon as GitHub confirms, without a restart."""
    import uvicorn

    env = dict(os.environ if env is None else env)
    wake_event = multiprocessing.get_context("spawn").Event()
    supervisor: Supervisor | None = None
    door_open = threading.Event()  # set once the socket listens: the workers start after it

    def start(settings: Settings, store: Store, registration: Registration | None = None) -> ClosedSetup:
        nonlocal supervisor
        if store.is_sqlite:
            store.release_all_running()
        store.enqueue(REDELIVERY_SCAN)  # missed deliveries first (and every few minutes after: bot.app.redeliver)
        supervisor = Supervisor(settings, wake_event, settings.workers)
        threading.Thread(target=_when_open, args=(door_open, supervisor.start), daemon=True, name="workers").start()
        return ClosedSetup(create_app(store, settings.webhook_secret, wake_event.set, supervisor.alive), registration)

    if env.get("GITHUB_APP_ID", "").strip():
        settings = Settings.from_env(env)
        _configure_logging()
        app: Any = start(settings, open_store(settings, checkpoints=False))
    else:
        store = Store(database_url_from(env), checkpoints=False)
        store.create_schema()
        registration = store.registration()
        if registration is None and public_url_from(env) is None:
            raise SettingsError(
                "GITHUB_APP_ID is not set and no App is registered yet: set MIGRATION_GUARD_PUBLIC_URL (where "
                "GitHub reaches this service) to register one at /setup, or set the App's credentials (README)"
            )
        _configure_logging()
        if registration is not None:
            app = start(Settings.from_env(_with_credentials(env, registration)), store, registration)
        else:
            app = _setup_mode(env, store, lambda reg: start(Settings.from_env(_with_credentials(env, reg)), store, reg))
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False))
    threading.Thread(target=_watch_door, args=(server, door_open), daemon=True, name="door").start()
    try:
        server.run()
    finally:
        if supervisor is not None:
            supervisor.stop()


def _watch_door(server: Any, door_open: threading.Event) -> None:
    """Set ``door_open`` as soon as uvicorn listens (never, if it cannot bind the port)."""
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.005)
    door_open.set()


def _when_open(door_open: threading.Event, action: Callable[[], None]) -> None:
    door_open.wait()
    action()


def _with_credentials(env: Mapping[str, str], registration: Registration) -> dict[str, str]:
    return {**env, "GITHUB_APP_ID": str(registration.app_id), "GITHUB_PRIVATE_KEY": registration.private_key,
            "GITHUB_PRIVATE_KEY_PATH": "", "GITHUB_WEBHOOK_SECRET": registration.webhook_secret}  # fmt: skip


def _setup_mode(env: Mapping[str, str], store: Store, begin: Callable[[Registration], Any]) -> Switch:
    public = public_url_from(env)
    assert public is not None  # checked by ``serve``
    api_url = (env.get("GITHUB_API_URL", "").strip() or "https://api.github.com").rstrip("/")
    web_url = env.get("GITHUB_URL", "").strip() or "https://github.com"

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "registered": False, "setup": f"{public}/setup"})

    switch: Switch
    flow = SetupFlow(store, public, api_url, web_url, lambda reg: setattr(switch, "inner", begin(reg)))
    switch = Switch(setup_app(flow, healthz))
    # The token is for the operator, who reads this log: only its holder may register the App.
    logging.getLogger("migration_guard.serve").info("no GitHub App yet: open %s to register one", flow.link)
    return switch
