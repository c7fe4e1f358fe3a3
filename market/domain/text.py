"""What any text sent to the marketplace may hold, whatever the field: no control characters (NUL
above all: PostgreSQL refuses it in text and JSON, SQLite would store it silently), no unpaired
surrogates, and no structure nested deeper than a person's data ever is. Checked at the doors on
every query string, form and JSON body, before any handler reads them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from market.domain.errors import N_, DomainError, FieldError, ValidationFailed

#: Deeper than any request the API documents (a bid is 4 levels deep).
MAX_DEPTH = 32


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str) -> bool:
    """True if ``text`` holds a control character other than tab and line breaks, or a lone
    surrogate (a regular expression: a bid's base64 documents run to megabytes)."""
    return _CONTROL.search(text) is not None


def without_control_characters(text: str) -> str:
    """``text`` with each control character (or lone surrogate) shown as U+FFFD: an echo of refused
    input (a report line) that the database can store."""
    return _CONTROL.sub("\ufffd", text)


def _walk(value: Any, path: str, depth: int) -> Iterator[str]:
    """The paths (``items.0.description``) of the strings in ``value`` that hold control characters;
    raises when ``value`` nests deeper than ``MAX_DEPTH``."""
    if depth > MAX_DEPTH:
        raise TooDeep()
    if isinstance(value, str):
        if has_control_characters(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_control_characters(key):
                yield path or "body"
            else:
                yield from _walk(item, where, depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}" if path else str(index), depth + 1)


class TooDeep(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "request.too_deep", N_("What you sent nests more than %(max)s levels deep."), max=MAX_DEPTH
        )


def control_character_error(paths: Iterable[str]) -> ValidationFailed:
    fields = [
        FieldError(
            path,
            "text.control_character",
            N_("Remove the control characters (such as NUL) from this text."),
        )
        for path in dict.fromkeys(paths)
    ]
    error = ValidationFailed(fields)
    error.code = "text.control_character"
    error.message = N_("Text may not hold control characters (such as NUL): remove them and send it again.")
    return error


def check_text(value: Any) -> None:
    """Refuse ``value`` (decoded JSON, form or query values) if any text in it holds a control
    character, or if it nests deeper than ``MAX_DEPTH``."""
    bad = list(_walk(value, "", 0))
    if bad:
        raise control_character_error(bad)
