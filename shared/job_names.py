"""The arq function names of the job contract (public and stable, documented in
``docs/wire-contract.md``; never rename one without an alias). Apart from the request model in
`shared.job` so that a worker's liveness probe, which registers them, needs no pydantic."""

from __future__ import annotations

#: The arq function name of a checkpoint run.
RUN_CHECKPOINT = "run_checkpoint"
#: The arq function name the worker substitutes for a job whose bytes cannot be decoded, so
#: that arq hands the raw payload to checkfleet's dead-letter handling instead of failing it.
UNDECODABLE_JOB = "checkfleet_undecodable_job"
