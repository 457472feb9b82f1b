"""Every benchmark, one after the other, each in its own process: ``make bench`` (full size)
and ``make bench-smoke`` (a tiny version of each, well under a minute, which CI runs to keep
the scripts working). Scale is printed by the throughput benchmark from the same samples.

    python bench/run_all.py [--smoke]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

#: (script, full-size arguments, smoke arguments)
BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    ("enqueue.py", [], ["--runs", "2000", "--single-runs", "200", "--repeat", "1"]),
    (
        "latency.py",
        [],
        [
            *("--runs", "30", "--baseline-runs", "2", "--repeat", "1", "--idle-s", "1"),
            *("--idle-polls", "1", "--unwoken-runs", "3"),
        ],
    ),
    ("throughput.py", [], ["--runs", "200", "--repeat", "1"]),
    ("memory.py", [], ["--warm-runs", "50", "--runs", "200", "--maxlen", "100", "--repeat", "1"]),
    ("validation.py", [], ["--rows", "20000", "--repeat", "1"]),
    (
        "validation.py",
        ["--scenario", "bare", "--repeat", "5"],
        ["--scenario", "bare", "--rows", "20000", "--repeat", "1"],
    ),
    ("history.py", [], ["--results", "1000", "--stored-runs", "10000", "--repeat", "1"]),
    ("flood.py", [], ["--runs", "20", "--flood", "100", "--repeat", "1"]),
    ("sql_source.py", [], ["--rows", "20000", "--repeat", "1"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the scripts run")
    args = parser.parse_args()
    started = time.perf_counter()
    for script, full, smoke in BENCHMARKS:
        print(f"\n## {script}\n", flush=True)
        command = [sys.executable, str(BENCH / script), *(smoke if args.smoke else full)]
        subprocess.run(command, check=True)
    print(f"\nall benchmarks in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
