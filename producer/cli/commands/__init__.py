"""The commands of the `checkfleet` CLI, one module each; `producer.cli.app` assembles them."""
