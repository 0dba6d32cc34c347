"""An embedded AWS emulator (moto's server, real HTTP on loopback) for demo and tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - not a secret: the emulator accepts any
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class Emulator:
    server: Any
    url: str

    def stop(self) -> None:
        self.server.stop()


def use_dummy_credentials() -> None:
    """The emulator accepts any credentials; set dummy ones where none are configured."""
    for name, value in DUMMY_CREDENTIALS.items():
        os.environ.setdefault(name, value)


def start_emulator(host: str = "127.0.0.1", port: int = 0) -> Emulator:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return Emulator(server, f"http://{bound_host}:{bound_port}")
