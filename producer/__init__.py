"""The producer side, one subpackage a job: `producer.scheduler` (the scheduler process),
`producer.client` (the API other services use; the seed's names in `producer.async_runner`)
and `producer.cli` (the `checkfleet` command and the demo)."""
