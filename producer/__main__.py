"""``python -m producer``: the scheduler process (same as ``checkfleet scheduler``)."""

from __future__ import annotations

import sys

from producer.cli import app


def main() -> None:
    app(args=["scheduler", *sys.argv[1:]], prog_name="python -m producer")


if __name__ == "__main__":
    main()
