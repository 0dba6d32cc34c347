"""An RSA key pair for Okta service-app tests (generated per test session, never stored)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "0oa-logpull-test-client"


def key_pair(name: str = "app") -> tuple[str, str]:
    """(private key PEM, public key PEM) of the key called ``name``."""
    return _key_pair(name)


@cache
def _key_pair(_name: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def write_secret(path: Path, client_id: str = CLIENT_ID, name: str = "app", key_id: str | None = "kid-1") -> Path:
    secret = {"client_id": client_id, "private_key": key_pair(name)[0]}
    if key_id:
        secret["key_id"] = key_id
    path.write_text(json.dumps(secret))
    return path


def key_lines(name: str = "app") -> list[str]:
    """The base64 lines of the private key: none may ever be shown."""
    return [line for line in key_pair(name)[0].splitlines() if "PRIVATE KEY" not in line and len(line) > 20]
