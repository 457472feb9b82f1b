"""``python -m producer.cli``: the `checkfleet` command, for children started with the same
interpreter (the demo's dashboard)."""

from producer.cli import main

main()
