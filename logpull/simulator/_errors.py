"""Google API error responses (the ``{"error": {...}}`` body every Google API returns)."""

from __future__ import annotations

import json

_STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """An error response: HTTP status, Google error body and extra headers."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str,
        *,
        detail: str | None = None,
        domain: str = "global",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.detail = detail if detail is not None else message
        self.domain = domain
        self.headers = headers

    def body(self) -> bytes:
        error = {
            "code": self.code,
            "message": self.message,
            "errors": [{"message": self.detail, "domain": self.domain, "reason": self.reason}],
            "status": _STATUS.get(self.code, "UNKNOWN"),
        }
        return json.dumps({"error": error}, indent=2).encode()


def invalid(message: str, detail: str | None = None) -> ApiError:
    """400 INVALID_ARGUMENT with reason ``invalid``."""
    return ApiError(400, message, "invalid", detail=detail)


def invalid_page_token(detail: str) -> ApiError:
    return invalid("Invalid value for pageToken", detail)


def not_found(path: str) -> ApiError:
    return ApiError(404, f"Not Found: {path}", "notFound")


def forbidden(message: str) -> ApiError:
    return ApiError(403, message, "forbidden")


def rate_limited(retry_after: float) -> ApiError:
    """429 as the Reports API sends it when the per-minute quota is spent."""
    return ApiError(
        429,
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service "
        "'admin.googleapis.com'.",
        "rateLimitExceeded",
        domain="usageLimits",
        headers=(("Retry-After", _seconds(retry_after)),),
    )


def user_rate_limited() -> ApiError:
    return ApiError(403, "User Rate Limit Exceeded", "userRateLimitExceeded", domain="usageLimits")


_BACKEND_MESSAGES = {
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


def backend_error(code: int) -> ApiError:
    """500 or 503 with reason ``backendError``."""
    return ApiError(code, _BACKEND_MESSAGES.get(code, "Backend Error"), "backendError")


def _seconds(value: float) -> str:
    """Retry-After as an integer when it is one (``1``), else as given (``0.5``)."""
    return str(int(value)) if float(value).is_integer() else repr(value)
