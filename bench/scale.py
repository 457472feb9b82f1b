"""Scale: runs/s of the tiny checkpoint with 1 and with 2 ``python -m worker`` processes, and
the efficiency of the second (speed-up / 2), next to raw arq no-op jobs measured the same way.
The samples are the throughput benchmark's (`bench/throughput.py` prints both tables).

    python bench/scale.py [--runs 10000] [--repeat 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import machine, private_fleet
from bench.throughput import KINDS, measure, parse_args, print_scale


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"machine: {machine()}")
    with private_fleet() as fleet:
        rates = measure(
            fleet,
            runs=args.runs,
            repeat=args.repeat,
            worker_counts=[1, 2],
            kinds=KINDS,
        )
    print_scale(rates)


if __name__ == "__main__":
    main()
