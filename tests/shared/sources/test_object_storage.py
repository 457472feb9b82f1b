"""Object storage sources against a real S3 API (moto in server mode on loopback)."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.models import CheckpointStatus
from tests.support.s3_server import SECRET_ACCESS_KEY, S3Server

FRAME = pl.DataFrame(
    {"id": list(range(100)), "amount": [None if i % 9 == 0 else i for i in range(100)]}
)
VALIDATORS = ["null", {"type": "range", "config": {"columns": ["amount"], "min": 0, "max": 80}}]


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(  # type: ignore[attr-defined]
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return name


def put(s3_server: S3Server, bucket: str, key: str, frame: pl.DataFrame, fmt: str) -> None:
    body = io.BytesIO()
    frame.write_parquet(body) if fmt == "parquet" else frame.write_csv(body)
    s3_server.client().put_object(Bucket=bucket, Key=key, Body=body.getvalue())  # type: ignore[attr-defined]


def test_a_parquet_glob_gives_the_figures_polars_gives_locally(
    s3_server: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    put(s3_server, bucket, "in/part1.parquet", FRAME.head(60), "parquet")
    put(s3_server, bucket, "in/part2.parquet", FRAME.tail(40), "parquet")
    monkeypatch.setenv("LAKE_SECRET", SECRET_ACCESS_KEY)
    options = {**s3_server.storage_options(), "aws_secret_access_key": "${LAKE_SECRET}"}
    source = {"uri": f"s3://{bucket}/in/*.parquet", "storage_options": options}
    remote = Checkpoint("s3", source, VALIDATORS).run()
    FRAME.write_parquet(tmp_path / "all.parquet")
    local = Checkpoint("local", str(tmp_path / "all.parquet"), VALIDATORS).run()
    assert remote.error is None and remote.row_count == 100
    assert remote.statistics["validators"] == local.statistics["validators"]
    assert remote.data_asset == f"s3://{bucket}/in/*.parquet"
    assert SECRET_ACCESS_KEY not in json.dumps(remote.to_dict())


def test_a_csv_object_with_an_explicit_region(s3_server: S3Server, bucket: str) -> None:
    put(s3_server, bucket, "x.csv", FRAME, "csv")
    options = {**s3_server.storage_options(), "aws_region": "eu-west-1"}
    result = Checkpoint(
        "s3", {"uri": f"s3://{bucket}/x.csv", "storage_options": options}, VALIDATORS
    ).run()
    assert result.row_count == 100 and result.status is CheckpointStatus.FAILURE  # range: critical


def test_a_missing_object_is_an_error_without_the_secret(s3_server: S3Server, bucket: str) -> None:
    source = {"uri": f"s3://{bucket}/none.parquet", "storage_options": s3_server.storage_options()}
    result = Checkpoint("s3", source, VALIDATORS).run()
    assert result.status is CheckpointStatus.ERROR
    assert (result.error or "").startswith(f"checkpoint 's3', source 's3://{bucket}/none.parquet'")
    assert SECRET_ACCESS_KEY not in json.dumps(result.to_dict())
