"""Domain errors: a stable code, an English message (the gettext msgid) and its parameters.

The doors translate ``message`` into the user's language and map ``kind`` to an HTTP status in
one place each (``market.api.errors`` and ``market.web.errors``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


def N_(message: str) -> str:
    """Mark a string for translation without translating it (the door translates)."""
    return message


class Msg(str):
    """A message parameter that is itself translatable text (a label, not user data)."""

    __slots__ = ()


class ErrorKind(StrEnum):
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field."""

    field: str
    code: str
    message: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: What closes the problem, when there is more to say than the message (the gate's gaps).
    action: str = ""


class DomainError(Exception):
    """A refused action, with the reason."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: list[FieldError] | None = None,
        kind: ErrorKind | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.params = params
        self.fields = fields or []
        if kind is not None:
            self.kind = kind

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, kind={self.kind.value!r})"


class ValidationFailed(DomainError):
    """Several field errors at once, so a form can show every one of them."""

    def __init__(self, fields: list[FieldError]) -> None:
        super().__init__(
            "validation_failed",
            N_("Some fields need your attention."),
            fields=fields,
            kind=ErrorKind.INVALID,
        )


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND

    def __init__(self, what: str = "object") -> None:
        super().__init__(f"{what}.not_found", N_("Not found."))


class Forbidden(DomainError):
    kind = ErrorKind.FORBIDDEN

    def __init__(self, code: str = "auth.forbidden", message: str = N_("You may not do this.")) -> None:
        super().__init__(code, message)


class Conflict(DomainError):
    kind = ErrorKind.CONFLICT


class FieldCollector:
    """Collects field errors; ``raise_if_any`` raises them all together."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field_name: str, code: str, message: str, **params: Any) -> None:
        self.errors.append(FieldError(field_name, code, message, params))

    def has(self, field_name: str) -> bool:
        return any(e.field == field_name for e in self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
