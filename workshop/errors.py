"""Domain errors: each carries the HTTP status and error code that the API and socket acks report."""


def N_(message: str) -> str:
    """Mark a message for the catalogue; views translate it when they show it (`_(error.message)`),
    while the API and socket acks keep the English text."""
    return message


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, status: int | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.extra = extra

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.extra}


def kind(name: str, status: int, code: str) -> type[DomainError]:
    """One subclass per HTTP status, so callers raise `NotFound(...)` and handlers catch by kind."""
    return type(name, (DomainError,), {"status": status, "code": code})


BadRequest = kind("BadRequest", 400, "bad_request")
Unauthorized = kind("Unauthorized", 401, "unauthorized")
Forbidden = kind("Forbidden", 403, "forbidden")
NotFound = kind("NotFound", 404, "not_found")
Conflict = kind("Conflict", 409, "conflict")
Invalid = kind("Invalid", 422, "invalid")
RateLimited = kind("RateLimited", 429, "rate_limited")
