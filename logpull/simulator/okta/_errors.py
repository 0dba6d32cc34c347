"""Okta API error responses: ``{"errorCode", "errorSummary", "errorLink", "errorId",
"errorCauses"}`` as Okta's management APIs return them."""

from __future__ import annotations

import json
import secrets
import string

_ID_ALPHABET = string.ascii_letters + string.digits


class OktaError(Exception):
    """An error response: HTTP status, Okta error body and extra headers."""

    def __init__(
        self,
        status: int,
        code: str,
        summary: str,
        *,
        causes: tuple[str, ...] = (),
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(summary)
        self.status = status
        self.code = code
        self.summary = summary
        self.causes = causes
        self.headers = headers

    def body(self) -> bytes:
        error = {
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": "oae" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(22)),
            "errorCauses": [{"errorSummary": cause} for cause in self.causes],
        }
        return json.dumps(error, separators=(",", ":")).encode()


def validation(parameter: str, *details: str) -> OktaError:
    """400 E0000001, the error of every malformed query parameter (also ``after``)."""
    return OktaError(
        400,
        "E0000001",
        f"Api validation failed: {parameter}",
        causes=tuple(f"{parameter}: {detail}" for detail in details),
    )


def invalid_filter(expression: str, detail: str) -> OktaError:
    return OktaError(400, "E0000053", f"Invalid filter '{expression}': {detail}")


def invalid_token() -> OktaError:
    return OktaError(401, "E0000011", "Invalid token provided")


def rate_limited(headers: tuple[tuple[str, str], ...] = ()) -> OktaError:
    return OktaError(
        429,
        "E0000047",
        "API call exceeded rate limit due to too many requests.",
        headers=headers,
    )


def internal_error() -> OktaError:
    """500 E0000009: what Okta sends when a System Log query times out."""
    return OktaError(500, "E0000009", "Internal Server Error")


def unavailable() -> OktaError:
    return OktaError(503, "E0000010", "Service is in read only mode")


def not_found(path: str) -> OktaError:
    return OktaError(404, "E0000007", f"Not found: Resource not found: {path} (Path)")


def method_not_allowed() -> OktaError:
    return OktaError(405, "E0000022", "The endpoint does not support the provided HTTP method")
