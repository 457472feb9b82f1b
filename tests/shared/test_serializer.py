from __future__ import annotations

import pickle
from pathlib import Path

import msgpack
from arq.jobs import deserialize_job_raw, deserialize_result, serialize_job, serialize_result

from shared.job_names import UNDECODABLE_JOB
from shared.serializer import deserialize_job
from shared.serializer import serialize_job as msgpack_job


def test_arq_jobs_round_trip_as_msgpack() -> None:
    raw = serialize_job(
        "run_checkpoint", ({"checkpoint": "orders"},), {}, None, 1234, serializer=msgpack_job
    )
    assert msgpack.unpackb(raw)["f"] == "run_checkpoint"
    function, args, kwargs, job_try, enqueued = deserialize_job_raw(
        raw, deserializer=deserialize_job
    )
    assert (function, list(args), kwargs, job_try, enqueued) == (
        "run_checkpoint",
        [{"checkpoint": "orders"}],
        {},
        None,
        1234,
    )


def test_exception_results_travel_as_plain_data() -> None:
    raw = serialize_result(
        "run_checkpoint", (), {}, 1, 1, False, TimeoutError("too slow"), 1, 2, "ref", "q", "job-1",
        serializer=msgpack_job,
    )  # fmt: skip
    assert raw is not None
    result = deserialize_result(raw, deserializer=deserialize_job)
    assert result.result == {"error_type": "TimeoutError", "message": "too slow"}


def test_garbage_becomes_an_undecodable_job_call() -> None:
    job = deserialize_job(b"\xc1garbage")
    assert job["f"] == UNDECODABLE_JOB
    assert job["a"][0]["raw"] == b"\xc1garbage"
    assert "not a valid msgpack message" in job["a"][0]["reason"]


def test_pickle_becomes_an_undecodable_job_and_is_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return (open, (str(marker), "w"))

    job = deserialize_job(pickle.dumps({"t": 1, "f": "run_checkpoint", "a": [Exploit()], "k": {}}))
    assert job["f"] == UNDECODABLE_JOB
    assert "pickle" in job["a"][0]["reason"]
    assert not marker.exists()


def test_maps_that_are_not_arq_jobs_are_undecodable() -> None:
    assert deserialize_job(msgpack.packb([1, 2]))["f"] == UNDECODABLE_JOB
    job = deserialize_job(msgpack.packb({"f": "run_checkpoint"}))
    assert job["f"] == UNDECODABLE_JOB
    assert "lacks t, a, k, et" in job["a"][0]["reason"]
