"""Wall time and the CPU of *every* process a command starts, orphans included.

``/usr/bin/time`` (and a parent's ``RUSAGE_CHILDREN``) counts only the children that were
waited for: an analysing process that outlives the CLI and is reparented to init is never
counted, and a tool that parallelises into such processes would look cheaper than it is. So the
command runs under a small Linux *subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``): every
descendant that is orphaned is reparented to it and reaped there, and its resource usage is
then the CPU of the whole process tree. Memory is the peak of the largest single process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_REAPER = r"""
import ctypes, json, os, resource, subprocess, sys
ctypes.CDLL("libc.so.6", use_errno=True).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
report, argv = int(sys.argv[1]), sys.argv[2:]
done = subprocess.run(argv, stdout=sys.stdout, stderr=subprocess.DEVNULL)
while True:  # the orphans reparented here: wait for every one
    try:
        os.wait()
    except ChildProcessError:
        break
used = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.flush()
os.write(report, json.dumps({"cpu": used.ru_utime + used.ru_stime, "code": done.returncode,
                             "rss": used.ru_maxrss}).encode())
"""


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float  # user + system seconds of the command and every process it started
    code: int
    out: str
    #: peak resident memory of the largest single process of the tree (MB)
    rss_mb: float = 0.0


def measured(argv: list[str], cwd: Path) -> Run:
    if not sys.platform.startswith("linux"):
        raise SystemExit("counting every child's CPU needs Linux (PR_SET_CHILD_SUBREAPER)")
    import os

    read, write = os.pipe()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _REAPER, str(write), *argv], cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True, pass_fds=(write,))  # fmt: skip
    wall = time.perf_counter() - start
    os.close(write)
    with os.fdopen(read) as report:
        usage = json.loads(report.read() or '{"cpu": -1, "code": -1, "rss": 0}')
    return Run(wall, usage["cpu"], usage["code"], done.stdout, usage.get("rss", 0) / 1024)
