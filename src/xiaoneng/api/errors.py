"""The one error shape every endpoint answers with: ``{"code", "message", "field"}``."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    """An error: a stable English ``code`` for programs, a Chinese ``message`` for people, and the
    request field it concerns (``null`` when it concerns the whole request)."""

    code: str
    message: str
    field: str | None = None


class ApiError(Exception):
    """Raised by endpoints; the API turns it into an :class:`ErrorOut` with ``status``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field}


#: Response documentation shared by every authenticated endpoint.
AUTH_ERRORS = {401: ErrorOut}
