"""Fail fast, with one clear line, when an endpoint cannot be reached at all."""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

from shared.config import Settings, SourceSettings
from shared.errors import EndpointUnreachable

GOOGLE_API = "https://admin.googleapis.com"


def check_reachable(url: str, what: str, timeout: float = 5.0) -> None:
    """The endpoint takes a connection and answers a ``HEAD /`` (any status, or closing
    the connection, is an answer: a silent one would hold every page until its timeout)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            _answers(sock, host, https)
    except TimeoutError:
        raise EndpointUnreachable(f"{what} {url} does not answer (no reply within {timeout:g} s)",
                                  hint="check the address and port, or the proxy in between") from None
    except OSError as exc:
        raise EndpointUnreachable(f"{what} {url} is unreachable: {exc.strerror or exc}",
                                  hint="check the address, or start the service") from None


def _answers(sock: socket.socket, host: str, https: bool) -> None:
    """Send ``HEAD /`` and wait for the first byte (nothing secret is sent, so the TLS
    certificate is not checked here: the source's own client checks it)."""
    if https:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        sock = context.wrap_socket(sock, server_hostname=host)
    sock.sendall(f"HEAD / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("ascii"))
    sock.recv(1)


def api_address(source: SourceSettings) -> str:
    """Where the source's requests go: its ``api_endpoint``, else the service's own."""
    if source.api_endpoint:
        return source.api_endpoint
    if source.kind == "okta_system_log" and source.domain:
        return f"https://{source.domain}"
    if source.kind_options is not None and source.kind_options.api_address():
        return str(source.kind_options.api_address())
    return GOOGLE_API


def check_sources(settings: Settings) -> None:
    """Each distinct endpoint once (the applications of a block share theirs), named by
    the first source that uses it."""
    endpoints: dict[str, str] = {}
    for source in settings.sources:
        endpoints.setdefault(api_address(source), source.id)
    for url, source_id in endpoints.items():
        check_reachable(url, f"source {source_id}: API endpoint")
