"""The managed node's CA and certificate: a CA that signs, a leaf for the loopback names only."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from secops.es.credentials import NodeCredentials
from secops.es.tls import issue_node_cert, make_ca


def test_node_certificate_is_issued_by_the_ca_for_loopback_names_only() -> None:
    ca = make_ca()
    leaf = issue_node_cert(ca)
    ca_cert = x509.load_pem_x509_certificate(ca.cert)
    cert = x509.load_pem_x509_certificate(leaf.cert)
    cert.verify_directly_issued_by(ca_cert)
    assert ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]


def test_a_certificate_of_another_ca_does_not_verify() -> None:
    stranger = issue_node_cert(make_ca())
    cert = x509.load_pem_x509_certificate(stranger.cert)
    ours = x509.load_pem_x509_certificate(make_ca().cert)
    # Same subject name, another key: the signature does not verify.
    with pytest.raises(InvalidSignature):
        cert.verify_directly_issued_by(ours)


def test_the_ca_is_made_once_and_kept_owner_only(tmp_path: Path) -> None:
    creds = NodeCredentials(tmp_path / "creds")
    first = creds.ensure_ca()
    again = creds.ensure_ca()
    assert first == again
    password, generated = creds.ensure_elastic_password()
    assert generated
    assert creds.ensure_elastic_password() == (password, False)
    assert (creds.directory.stat().st_mode & 0o777) == 0o700
    for path in creds.directory.iterdir():
        assert (path.stat().st_mode & 0o777) == 0o600, path
