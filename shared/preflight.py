"""Fail fast, with one clear line, when an endpoint cannot be reached at all."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from shared.config import Settings
from shared.errors import EndpointUnreachable

GOOGLE_API = "https://admin.googleapis.com"


def check_reachable(url: str, what: str, timeout: float = 5.0) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        raise EndpointUnreachable(f"{what} {url} is unreachable: {exc.strerror or exc}",
                                  hint="check the address, or start the service") from None


def check_sources(settings: Settings) -> None:
    for source in settings.sources:
        check_reachable(source.api_endpoint or GOOGLE_API, f"source {source.id}: API endpoint")
