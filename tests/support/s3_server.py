"""A real S3 API for tests: moto in server mode on a free loopback port.

`ThreadedMotoServer` serves the S3 REST API over HTTP in a background thread, so polars'
object-store client talks to it exactly as to AWS or MinIO (signed requests, byte ranges,
listings). Nothing leaves the machine: the endpoint is 127.0.0.1.
"""

from __future__ import annotations

import logging

import boto3
from moto.server import ThreadedMotoServer

from tests.support.redis_server import free_port

ACCESS_KEY_ID = "AKIDCHECKFLEETTEST"
SECRET_ACCESS_KEY = "s3-test-secret-key-0123"
REGION = "eu-west-1"


class S3Server:
    """One moto server; `client()` is a boto3 S3 client for writing test objects."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self._server.start()

    def client(self) -> object:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            region_name=REGION,
        )

    def storage_options(self) -> dict[str, str]:
        """What a checkpoint's ``storage_options`` say to reach this server."""
        return {
            "endpoint_url": self.endpoint,
            "aws_access_key_id": ACCESS_KEY_ID,
            "aws_secret_access_key": SECRET_ACCESS_KEY,
            "aws_allow_http": "true",
        }

    def stop(self) -> None:
        self._server.stop()
