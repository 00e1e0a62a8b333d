"""Analysing untrusted migration text without letting it take the process down.

Anyone who can open a pull request writes the text we analyse. sqlglot's compiled parser
overflows the C stack on a view nested 20,000 levels deep (a segmentation fault no ``except``
catches) and backtracks for minutes on a few dozen joins without ``ON``. So a migration's
operations are computed in a child process, one migration at a time, under a time budget; a child
that overruns is killed, one that dies is replaced, and either way the migration becomes an
"not analysed" operation saying why (too large, too deep, parser crashed, or past the time guard) while every
other migration and rule still runs. Cheap checks come first, in the caller, so the common
hostile shapes never reach a parser at all; they count work (bytes of code, bracket depth), so
the same input gets the same answer on an idle and a loaded machine. The time budget is only a
last-resort guard against a hung parser (minutes, not seconds), and what it stops is an error
too. Whatever was not analysed is still scanned cheaply for destructive statements.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from bot.core.config import Limits
from bot.core.operations import MigrationOps, Op, Operation
from bot.frameworks import BY_NAME, traits_of
from bot.gc_policy import tune as tune_collector
from bot.syntax.code_size import code_bytes, nesting_depth
from bot.syntax.dialects import normalise_dialect
from bot.syntax.prescan import prescan


@dataclass(frozen=True)
class Job:
    framework: str
    path: str
    text: str
    dialect: str


def not_analysed(dialect: str, why: str, job: Job | None = None) -> MigrationOps:
    """What a rule sees for a migration that could not be analysed: one operation saying why, then
    what a cheap text scan finds in it (``bot.syntax.prescan``), judged by the rules as usual."""
    found: tuple[Operation, ...] = ()
    if job is not None:
        found = prescan(job.path, job.text, traits_of(job.framework).prescan_calls)
    return MigrationOps((Operation(Op.NOT_ANALYSED, 1, detail=why), *found), dialect=dialect)


def precheck(path: str, text: str, limits: Limits) -> str | None:
    """Why the text must not reach a parser at all, if it must not. The size counted is its code
    (``bot.syntax.code_size``): comments and blank lines cost a parser nothing and must not push a
    migration past the bound."""
    size = code_bytes(path, text)
    if size > limits.max_bytes:
        return f"{size:,} bytes of code, comments and whitespace not counted; the limit is {limits.max_bytes:,}"
    depth = nesting_depth(text, limits.max_depth)
    if depth > limits.max_depth:
        return f"brackets nested over {limits.max_depth} levels deep; the limit is {limits.max_depth}"
    return None


def _analyse_here(job: Job) -> MigrationOps:

    try:
        return BY_NAME[job.framework].operations(job.path, job.text, job.dialect)
    except RecursionError:
        return not_analysed(normalise_dialect(job.dialect), "nested too deeply for the parser", job)
    except MemoryError:
        return not_analysed(normalise_dialect(job.dialect), "too large for the parser's memory", job)
    except Exception as exc:  # a parser bug must cost one migration, never the review
        return not_analysed(normalise_dialect(job.dialect), f"the parser failed: {type(exc).__name__}", job)


#: how long a new analysing process may take to start and load the parsers: on a loaded machine
#: that alone can take seconds, and it is not the migration's fault, so it is not in its budget
STARTUP_SECONDS = 120.0
READY = "ready"


def _child(conn: Connection) -> None:
    """The analysing process: loads the parsers, says it is ready, then jobs in, operations out,
    until the pipe closes."""
    with contextlib.suppress(Exception):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    tune_collector()  # a forkserver's child starts with CPython's defaults (``bot.gc_policy``)
    _load_parsers()
    conn.send(READY)
    while True:
        try:
            work = conn.recv()
        except (EOFError, OSError):
            return
        conn.send([_analyse_here(job) for job in work] if isinstance(work, list) else _analyse_here(work))


def _load_parsers() -> None:
    with contextlib.suppress(Exception):
        import bot.syntax.sql_operations  # lazy: sqlglot, loaded before any budget starts
        import bot.syntax.treesitter  # noqa: F401  # lazy: tree-sitter, likewise


def _context() -> Any:
    """fork where it is safe (one thread: the CLI), else forkserver (the App's workers have threads)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


class Analyser:
    """One child process analysing one migration at a time; replaced when it overruns or dies."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._process: Any = None
        self._conn: Connection | None = None

    def start(self) -> None:
        """Start the child now (it is started on first use otherwise)."""
        self._start()

    def _start(self) -> Connection:
        if self._conn is None or self._process is None or not self._process.is_alive():
            self._stop()
            context = _context()
            if context.get_start_method() == "fork":
                _load_parsers()  # once, here: every forked child then shares them instead of loading its own
            parent, child = context.Pipe()
            self._process = context.Process(target=_child, args=(child,), daemon=True, name="migration-analyser")
            self._process.start()
            child.close()
            self._conn = parent
            if not parent.poll(STARTUP_SECONDS) or parent.recv() != READY:
                raise EOFError("the analysing process did not start")
        return self._conn

    def _stop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        if self._process is not None:
            with contextlib.suppress(Exception):
                if self._process.is_alive():
                    self._process.kill()
                self._process.join(5)
        self._process = None
        self._conn = None

    def analyse(self, job: Job, deadline: float | None = None) -> MigrationOps:
        why = precheck(job.path, job.text, self.limits)
        if why is not None:
            return not_analysed(normalise_dialect(job.dialect), why, job)
        return self._analyse_checked(job, deadline)

    def _analyse_checked(self, job: Job, deadline: float | None) -> MigrationOps:
        """One migration the bounds let through, alone in the child."""
        dialect = normalise_dialect(job.dialect)
        budget = self.limits.seconds
        if deadline is not None:
            budget = min(budget, deadline - time.monotonic())
            if budget <= 0:
                return not_analysed(dialect, "the review's time guard ran out before it", job)
        timed_out = False
        try:
            conn = self._start()
            conn.send(job)
            if conn.poll(budget):
                result = conn.recv()
                if isinstance(result, MigrationOps):
                    return result
            else:
                timed_out = True
        except (EOFError, OSError, BrokenPipeError):
            pass  # the child closed its end: it is dying (a crash), not slow
        process = self._process
        if not timed_out and process is not None:
            process.join(5)  # a crashing child may still be writing its last words; let it finish dying
        code = process.exitcode if process is not None and not process.is_alive() else None
        self._stop()
        if timed_out:
            return not_analysed(dialect, f"its analysis took longer than {budget:g} s and was stopped", job)
        return not_analysed(dialect, f"the parser crashed ({_signal_name(code)})", job)

    def analyse_many(self, jobs: Sequence[Job], deadline: float | None = None) -> list[MigrationOps]:
        """Every job's operations, in order, sent to the child in batches (``BATCH_JOBS``): one
        message each way per batch, not per migration (the round trips and the pickled field
        names of every operation were a third of a large change's time). A batch that crashes the
        child or overruns the budget is analysed again one migration at a time, so what is "not
        analysed" is the same migration, with the same reason, as when each is sent alone."""
        results: list[MigrationOps | None] = [None] * len(jobs)
        pending: list[int] = []
        for i, job in enumerate(jobs):
            why = precheck(job.path, job.text, self.limits)
            if why is not None:
                results[i] = not_analysed(normalise_dialect(job.dialect), why, job)
            else:
                pending.append(i)
        for batch in _batches(pending, jobs):
            done = self._batch([jobs[i] for i in batch], deadline) if len(batch) > 1 else None
            if done is None:  # prechecked above: the bounds are not counted again
                done = [self._analyse_checked(jobs[i], deadline) for i in batch]
            for i, ops in zip(batch, done, strict=True):
                results[i] = ops
        return [r if r is not None else not_analysed(j.dialect, "not analysed", j) for r, j in zip(results, jobs, strict=True)]

    def _batch(self, jobs: list[Job], deadline: float | None) -> list[MigrationOps] | None:
        """The batch's operations, or ``None`` when the child died or overran (it is then replaced)."""
        budget = self.limits.seconds
        if deadline is not None:
            budget = min(budget, deadline - time.monotonic())
            if budget <= 0:
                return None
        try:
            conn = self._start()
            conn.send(jobs)
            if conn.poll(budget):
                result = conn.recv()
                if isinstance(result, list) and len(result) == len(jobs):
                    return result
        except (EOFError, OSError, BrokenPipeError):
            pass
        self._stop()
        return None

    def close(self) -> None:
        self._stop()


#: at most this many migrations, and this many characters of them, in one message to the child
BATCH_JOBS = 64
BATCH_CHARS = 512 * 1024


def _batches(indexes: list[int], jobs: Sequence[Job]) -> list[list[int]]:
    out: list[list[int]] = []
    size = 0
    for i in indexes:
        if not out or len(out[-1]) >= BATCH_JOBS or size + len(jobs[i].text) > BATCH_CHARS:
            out.append([])
            size = 0
        out[-1].append(i)
        size += len(jobs[i].text)
    return out


def _signal_name(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return signal.Signals(-code).name
    return f"exit status {code}"


def analyse_all(jobs: Sequence[Job], limits: Limits, workers: int = 1, deadline: float | None = None) -> list[MigrationOps]:
    """Every job's operations, in order, on ``workers`` child processes (one thread drives each)."""
    results: list[MigrationOps | None] = [None] * len(jobs)
    if not jobs:
        return []
    # batches small enough that both workers get a share of a modest change
    pending = iter(_batches(list(range(len(jobs))), jobs))
    lock = threading.Lock()
    count = max(1, min(workers, len(jobs)))
    # started here, before any thread: while the process has one thread its children are forked
    # (cheap, the parsers already loaded); a thread's own start would go through the forkserver
    analysers = [Analyser(limits) for _ in range(count)]
    for analyser in analysers:
        with contextlib.suppress(EOFError, OSError):
            analyser.start()

    def drive(analyser: Analyser) -> None:
        try:
            while True:
                with lock:
                    batch = next(pending, None)
                if batch is None:
                    return
                for index, ops in zip(batch, analyser.analyse_many([jobs[i] for i in batch], deadline), strict=True):
                    results[index] = ops
        finally:
            analyser.close()

    if count == 1:
        drive(analysers[0])
    else:
        threads = [threading.Thread(target=drive, args=(a,), daemon=True) for a in analysers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return [r if r is not None else not_analysed(j.dialect, "not analysed", j) for r, j in zip(results, jobs, strict=True)]


class SharedAnalyser:
    """The process-wide analysing child, kept between runs: a review in the App's worker (or a small
    change in the CLI) does not pay for starting a process and importing the parsers each time."""

    def __init__(self) -> None:
        self.limits = Limits()
        self.deadline: float | None = None
        self._analyser: Analyser | None = None
        self._lock = threading.Lock()

    def configure(self, limits: Limits, deadline: float | None) -> None:
        with self._lock:
            if self._analyser is not None and self._analyser.limits != limits:
                self._analyser.close()
                self._analyser = None
            self.limits, self.deadline = limits, deadline

    def analyse(self, job: Job) -> MigrationOps:
        return self.analyse_many([job])[0]

    def analyse_many(self, jobs: Sequence[Job]) -> list[MigrationOps]:
        with self._lock:
            if self._analyser is None:
                self._analyser = Analyser(self.limits)
            return self._analyser.analyse_many(jobs, self.deadline)

    def close(self) -> None:
        with self._lock:
            if self._analyser is not None:
                self._analyser.close()
                self._analyser = None


SHARED = SharedAnalyser()
