"""The one application error type. The API turns it into a 4xx answer, forms into field errors."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request that cannot be carried out, with a sentence for the user saying why."""

    status = 400

    def __init__(self, message, *, field: str | None = None, errors: list[dict] | None = None, **extra):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.errors = (
            errors if errors is not None else ([{"field": field, "message": message}] if field else [])
        )
        self.extra = extra

    def as_dict(self) -> dict:
        body = {
            "detail": str(self.message),
            "errors": [{"field": e["field"], "message": str(e["message"])} for e in self.errors],
        }
        body.update({k: v for k, v in self.extra.items()})
        return body


class NotFound(DomainError):
    """Absent, or belongs to another dealer group: the answer is the same."""

    status = 404

    def __init__(self, message=None, **kw):
        super().__init__(message or _("Not found."), **kw)


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """A stale version, or a step not allowed in the current state."""

    status = 409


def stale_version(current: int) -> Conflict:
    return Conflict(
        _("Someone else changed this record meanwhile. Reload it and apply your change again."),
        field="version",
        current_version=current,
    )
