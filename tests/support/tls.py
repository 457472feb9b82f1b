"""Certificates for TLS tests, made with the `openssl` command in a temp dir: a self-signed CA,
a server certificate for 127.0.0.1 signed by it, and one for another host name."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "the TLS tests need the openssl command (`apt-get install openssl`)"


@dataclass(frozen=True, slots=True)
class TlsFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    #: Signed by the same CA for the name other.invalid: valid, but not for 127.0.0.1.
    other_host_cert: Path
    other_host_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _signed(directory: Path, name: str, alt_names: str) -> tuple[Path, Path]:
    key, csr, cert = (directory / f"{name}.{ext}" for ext in ("key", "csr", "crt"))
    extensions = directory / f"{name}.ext"
    extensions.write_text(f"subjectAltName={alt_names}\n")
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.name, "-out", csr.name,
        "-subj", f"/CN={name}", cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", csr.name, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", cert.name, "-days", "2", "-extfile", extensions.name, cwd=directory,
    )  # fmt: skip
    return cert, key


def make_tls_files(directory: Path) -> TlsFiles:
    if shutil.which("openssl") is None:
        raise FileNotFoundError(INSTALL_HINT)
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=checkfleet test CA", cwd=directory,
    )  # fmt: skip
    server_cert, server_key = _signed(directory, "server", "IP:127.0.0.1,DNS:localhost")
    other_cert, other_key = _signed(directory, "other", "DNS:other.invalid")
    return TlsFiles(directory / "ca.crt", server_cert, server_key, other_cert, other_key)
