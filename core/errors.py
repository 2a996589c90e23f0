"""The one application error type. Services raise it; views show it; the API maps it to one shape."""

from __future__ import annotations

from django.core.exceptions import BadRequest, ValidationError


class ApplicationError(Exception):
    """A user-caused error with a Chinese message, optionally naming the fields concerned.

    ``fields`` maps a field name (or ``"row 12"``) to a list of messages that say what is wrong and
    how to fix it.
    """

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.code = code

    @classmethod
    def from_validation_error(cls, exc: ValidationError, message: str = "提交的数据有误，请按提示修改。"):
        if hasattr(exc, "error_dict"):
            fields = {
                name: [str(m) for e in errors for m in e.messages] for name, errors in exc.error_dict.items()
            }
        else:
            fields = {"__all__": [str(m) for m in exc.messages]}
        return cls(message, fields=fields)

    def as_validation_error(self) -> ValidationError:
        if not self.fields:
            return ValidationError(self.message)
        return ValidationError(dict(self.fields))

    def __str__(self):
        if not self.fields:
            return self.message
        details = "；".join(f"{k}: {'，'.join(v)}" for k, v in self.fields.items())
        return f"{self.message}（{details}）"


class BadInput(BadRequest):
    """A malformed request value (an id that is not a number, a NUL byte, a body that is not an
    object): answered 400 with the Chinese ``message`` naming the field — the page through
    ``core.views.bad_request`` (handler400), the API through ``core.api.errors``."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field
