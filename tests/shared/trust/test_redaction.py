from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

from shared.trust.redaction import REDACTED, Redactor

SECRET_URL = "https://hooks.example.com/services/T000/B000/XXXXSECRETXXXX"


def test_every_encoding_of_a_secret_is_redacted() -> None:
    redactor = Redactor([SECRET_URL])
    for form in (
        SECRET_URL,
        quote(SECRET_URL, safe=""),
        quote_plus(SECRET_URL),
        json.dumps(SECRET_URL)[1:-1],
        "/services/T000/B000/XXXXSECRETXXXX",  # the path a server echoes back
    ):
        text = redactor.redact(f"HTTP 404: no route for {form} here")
        assert "XXXXSECRET" not in text and REDACTED in text, form


def test_an_excerpt_cut_inside_a_secret_loses_the_cut_start() -> None:
    redactor = Redactor(["s3cr3t-token-value"])
    assert redactor.redact("body: s3cr3t-tok", excerpt=True) == f"body: {REDACTED}"
    assert redactor.redact("body: s3cr3t-tok") == "body: s3cr3t-tok"


def test_bytes_and_trees_are_redacted() -> None:
    redactor = Redactor(["redis://:pw@cache:6379/0"])
    assert b"pw@cache" not in redactor.redact_bytes(b"header redis://:pw@cache:6379/0 sent")
    url = "redis://:pw@cache:6379/0"
    tree = redactor.redact_tree({"a": [f"x {url}"], url: 1})
    assert "pw@cache" not in json.dumps(tree)


def test_short_values_are_no_secrets() -> None:
    assert Redactor(["abc"]).redact("abc abc") == "abc abc"
