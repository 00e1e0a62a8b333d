"""Worst time per input when fuzzing every front end (the figure the fuzz test cannot assert).

Runs the mutations of ``tests/test_fuzz_frameworks.py`` many times per framework, in this
process (parse + operations), and prints per framework: inputs, exceptions that escaped, and the
median and worst seconds per input; beside it, in the same run, the baseline of the unmutated
seed. An exception that escapes is printed with its input and makes the exit status 1.

    python benchmarks/bench_fuzz.py [--examples 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings

from bot.frameworks import BY_NAME, Candidate
from tests.test_fuzz_frameworks import SEEDS, mutated


def one(framework: str, path: str, text: str) -> None:
    adapter = BY_NAME[framework]
    adapter.parse(Candidate(framework, path, path.rpartition("/")[0], True), "0" * 40, text)
    adapter.operations(path, text, "postgres")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=500)
    args = parser.parse_args()
    failed = 0
    print(f"{'framework':<10} {'inputs':>6} {'escaped':>7} {'seed s':>8} {'median s':>9} {'worst s':>8}")
    for framework, (path, seed) in sorted(SEEDS.items()):
        start = time.perf_counter()
        one(framework, path, seed)
        baseline = time.perf_counter() - start
        times: list[float] = []
        escaped: list[tuple[str, BaseException]] = []

        @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(mutated(seed))
        def run(text: str) -> None:
            begin = time.perf_counter()
            try:
                one(framework, path, text)  # noqa: B023
            except Exception as exc:
                escaped.append((text, exc))  # noqa: B023
            times.append(time.perf_counter() - begin)  # noqa: B023

        run()
        failed += len(escaped)
        print(f"{framework:<10} {len(times):>6} {len(escaped):>7} {baseline:>8.4f} {statistics.median(times):>9.4f} "
              f"{max(times):>8.4f}")  # fmt: skip
        for text, exc in escaped[:3]:
            print(f"    {type(exc).__name__}: {exc} <- {text!r:.200}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
