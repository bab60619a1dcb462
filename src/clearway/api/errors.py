"""Errors that carry their HTTP status, mapped to JSON once.

    ApiError (status, detail, field)
     ├── Unauthorized   401  no key, unknown key, revoked key
     ├── Forbidden      403  the key's role may not do this
     ├── NotFound       404  no such entity / dataset
     ├── TooLarge       413  body or batch over the limit
     └── RateLimited    429  past the per-key rate limit (Retry-After)

Validation errors (wrong types, missing fields, bad JSON) become 422 with the field path.
Nothing reaches the client as a 500 with a traceback.

Every error has one JSON shape, :class:`ErrorResponse`; :func:`error_responses` declares it in
the OpenAPI document for the statuses an operation can answer with.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(description="Where: a dotted path into the request, or 'body'.")
    message: str


class ErrorDetail(BaseModel):
    status: int = Field(description="The HTTP status, repeated.")
    detail: str = Field(description="What went wrong, in one line.")
    field: str | None = Field(None, description="The request field at fault, when there is one.")
    errors: list[FieldError] | None = Field(None, description="422 only: every invalid field (at most 20).")


class ErrorResponse(BaseModel):
    """The body of every 4xx answer."""

    error: ErrorDetail


_MEANING = {
    400: "The request body cannot be read (not UTF-8, not JSON, not a form).",
    401: "No API key, or an unknown or revoked one.",
    403: "The key's role may not do this, or the key is limited to one case.",
    404: "No such entity, case, key or dataset.",
    413: "The body or the batch is over the limit.",
    422: "A field is missing or invalid (wrong type, out of range, unknown value).",
    429: "Past the key's rate limit: retry after the Retry-After header's seconds.",
}
KEYED = (401, 403, 422, 429)  # what any operation behind an API key can answer
WITH_BODY = (400, 413)  # and one that reads a request body


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring the JSON error body for ``statuses``."""
    return {s: {"model": ErrorResponse, "description": _MEANING[s]} for s in statuses}


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
