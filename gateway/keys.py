"""Broker SSH public keys (gateway layer): reading an OpenSSH public key file and naming a key by its
SHA256 fingerprint, exactly as `ssh-keygen -lf` prints it, so operators can compare the two."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.errors import UsageError

# RSA keys are accepted, but the server only offers RSA-SHA2 signatures (rsa-sha2-256/512), never SHA-1.
ACCEPTED_KEY_TYPES = frozenset(
    {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"}
)
MINIMUM_RSA_BITS = 2048


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicKey:
    key_type: str
    key_data: str  # base64 blob, as in authorized_keys
    comment: str

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(base64.b64decode(self.key_data))


def fingerprint_of(blob: bytes) -> str:
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


def read_public_key(path: Path) -> PublicKey:
    """Read one OpenSSH public key (`type base64 [comment]`) and check paramiko can use it."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"Cannot read the public key file {path}: {error}.") from None
    fields = text.split(None, 2)
    if len(fields) < 2 or fields[0] not in ACCEPTED_KEY_TYPES:
        accepted = ", ".join(sorted(ACCEPTED_KEY_TYPES))
        raise UsageError(f"{path} is not an OpenSSH public key of a supported type ({accepted}).")
    try:
        blob = base64.b64decode(fields[1], validate=True)
        key = paramiko.PKey.from_type_string(fields[0], blob)
    except (binascii.Error, paramiko.SSHException, ValueError) as error:
        raise UsageError(f"{path} holds a damaged public key: {error}.") from None
    if fields[0] == "ssh-rsa" and key.get_bits() < MINIMUM_RSA_BITS:
        raise UsageError(
            f"{path} is an RSA key of {key.get_bits()} bits; at least {MINIMUM_RSA_BITS} are needed."
        )
    return PublicKey(key_type=fields[0], key_data=fields[1], comment=fields[2] if len(fields) > 2 else "")


def ed25519_key_file(path: Path) -> paramiko.Ed25519Key:
    """The ed25519 private key kept in `path` (OpenSSH format, mode 0600), created on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        )
        path.write_bytes(pem)
        path.chmod(0o600)
    return paramiko.Ed25519Key.from_private_key_file(str(path))
