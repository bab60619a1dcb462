"""Errors that carry their HTTP status, mapped to JSON once.

    ApiError (status, detail, field)
     ├── Unauthorized   401  no key, unknown key, revoked key
     ├── Forbidden      403  the key's role may not do this
     ├── NotFound       404  no such entity / dataset
     ├── TooLarge       413  body or batch over the limit
     └── RateLimited    429  past the per-key rate limit (Retry-After)

Validation errors (wrong types, missing fields, bad JSON) become 422 with the field path.
Nothing reaches the client as a 500 with a traceback.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400

    def __init__(self, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None,
                 status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers or {}
        if status is not None:
            self.status = status

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"status": self.status, "detail": self.detail}
        if self.field:
            err["field"] = self.field
        return {"error": err}


class Unauthorized(ApiError):
    status = 401

    def __init__(self, detail: str = "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class TooLarge(ApiError):
    status = 413


class RateLimited(ApiError):
    status = 429
