"""The command line as a whole: `--version`, help for every argument and option, flags shown by name, and
`imaging-hub tls` making a CA and a hub certificate that verifies against it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from cryptography import x509
from typer.testing import CliRunner

from imaging_hub import __version__
from imaging_hub.cli import app

runner = CliRunner()


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_version_flag() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == __version__


def test_every_argument_and_option_has_help_and_flags_are_named() -> None:
    missing, labelled_bool = [], []
    for path, command in _commands(typer.main.get_command(app)):
        missing += [f"{' '.join(path)} {p.name}" for p in command.params if not (p.help or "").strip()]
        shown = runner.invoke(app, [*path, "--help"])
        assert shown.exit_code == 0, path
        if "<bool>" in shown.output:
            labelled_bool.append(" ".join(path))
    assert missing == []
    assert labelled_bool == []
    audit_help = runner.invoke(app, ["audit", "export", "--help"]).output
    assert "--ndjson / --no-ndjson" in audit_help


def test_tls_makes_a_ca_and_a_hub_certificate_it_signed(tmp_path: Path) -> None:
    folder = tmp_path / "tls"
    result = runner.invoke(app, ["tls", str(folder), "--host", "hub.network.example", "--ip", "10.1.2.3"])
    assert result.exit_code == 0, result.output
    assert (folder / "hub.key").stat().st_mode & 0o777 == 0o600
    assert not any("ca" in p.name and p.suffix == ".key" for p in folder.iterdir())  # the CA key is not kept
    cert = x509.load_pem_x509_certificate((folder / "hub.pem").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["hub.network.example"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.1.2.3"]
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    cert.verify_directly_issued_by(ca)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "hub.pem", folder / "hub.key")  # the pair serve loads
    again = runner.invoke(app, ["tls", str(folder)])
    assert again.exit_code == 2 and "--force" in again.output
    bad = runner.invoke(app, ["tls", str(tmp_path / "bad"), "--ip", "not-an-address"])
    assert bad.exit_code == 2 and "does not appear to be an IPv4 or IPv6 address" in bad.output
