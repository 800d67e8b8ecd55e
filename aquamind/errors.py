"""One error shape for the whole project: a stable code, a sentence for people, and the field if any."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the farm's domain was broken. Never retried; shown to the user or stored for operators."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field

    def as_dict(self) -> dict:
        body = {"code": self.code, "detail": self.message}
        if self.field:
            body["field"] = self.field
        return body


class RecomputeError(DomainError):
    """A batch or assignment cannot be computed from its records (no scenario, no starting weight, ...)."""

    code = "recompute_error"

    def __init__(self, message: str, *, code: str, assignment_id: int | None = None):
        super().__init__(message, code=code)
        self.assignment_id = assignment_id
