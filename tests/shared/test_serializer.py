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


def test_jobs_of_the_wrong_shape_become_undecodable_job_calls() -> None:
    def job(**fields: object) -> bytes:
        base: dict[str, object] = {"t": None, "f": "run_checkpoint", "a": [{}], "k": {}, "et": 1}
        return msgpack.packb({**base, **fields})

    functions = {"run_checkpoint"}
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    for raw, why in (
        (job(t="x"), "'t' (the try)"),
        (job(f="os.system"), "unknown function"),
        (job(k=[1]), "'k'"),
        (job(a={"x": 1}), "'a'"),
        (job(et=10**18), "'et'"),
        (job(f=UNDECODABLE_JOB, a=[{"raw": b"", "reason": "forged"}]), "internal function"),
        (
            job(a=[{"c": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}]),
            "nested",
        ),
    ):
        decoded = deserialize_job(raw, functions=functions)
        assert decoded["f"] == UNDECODABLE_JOB and why in decoded["a"][0]["reason"], why


def test_a_job_larger_than_allowed_is_undecodable() -> None:
    decoded = deserialize_job(b"\x00" * 100, max_bytes=10)
    assert "CHECKFLEET_MAX_REQUEST_BYTES" in decoded["a"][0]["reason"]


def test_a_job_result_keeps_neither_arguments_nor_a_large_return_value() -> None:
    result = {
        "t": 1,
        "f": "run_checkpoint",
        "a": [{"context": {"pw": "x"}}],
        "k": {},
        "et": 1,
        "s": True,
        "r": {"blob": "b" * 10_000},
        "st": 1,
        "ft": 2,
        "q": "q",
        "id": "r-1",
    }
    stored = deserialize_job(msgpack_job(result))
    assert stored["a"] == [] and stored["k"] == {} and "blob" not in stored["r"]
