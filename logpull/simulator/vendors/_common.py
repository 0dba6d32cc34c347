"""Small helpers the vendor modules share: identities, names and number parsing."""

from __future__ import annotations

import base64
import random

USERS = ("ada", "alan", "grace", "linus", "barbara", "ken", "margaret", "dennis", "radia")
COUNTRIES = ("US", "DE", "FR", "GB", "JP", "BR", "IN", "CA")


def uuid4(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` (lower-case, hyphenated)."""
    value = (rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def token22(rng: random.Random) -> str:
    """22 characters of URL-safe base64 (16 random bytes), like GitHub's document ids."""
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).decode()[:22]


def ip(rng: random.Random) -> str:
    return ".".join(str(rng.randrange(1, 255)) for _ in range(4))


def parse_int(text: str | None, default: int) -> int:
    """``text`` as a (signed) decimal integer, ``default`` if absent; ``ValueError`` if
    it is something else."""
    if text is None:
        return default
    stripped = text.strip()
    if not stripped.lstrip("-").isdigit():
        raise ValueError(f"not an integer: {text!r}")
    return int(stripped)
