"""A test PKI: a CA, a server and client certificates it signed, and a rogue client."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Parliament"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _issue(
    subject: str,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    server: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name, issuer_key = issuer or (_name(subject), key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256()), key


def _write(directory: Path, name: str, cert: x509.Certificate, key: Any) -> tuple[Path, Path]:
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def make_pki(d: Path) -> dict[str, Path]:
    """A CA, a server and a client certificate it signed, and a client of another CA."""
    ca_cert, ca_key = _issue("Test CA", None, ca=True)
    server = _issue("syslog.test", (ca_cert.subject, ca_key), server=True)
    client = _issue("dms-01", (ca_cert.subject, ca_key))
    rogue_ca_cert, rogue_ca_key = _issue("Rogue CA", None, ca=True)
    rogue = _issue("dms-01", (rogue_ca_cert.subject, rogue_ca_key))
    files = {"ca": _write(d, "ca", ca_cert, ca_key)[0]}
    files["server_cert"], files["server_key"] = _write(d, "server", *server)
    files["client_cert"], files["client_key"] = _write(d, "client", *client)
    files["rogue_cert"], files["rogue_key"] = _write(d, "rogue", *rogue)
    return files


def client_context(pki: dict[str, Path], cert: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki["ca"]))
    if cert:
        ctx.load_cert_chain(pki[f"{cert}_cert"], pki[f"{cert}_key"])
    return ctx
