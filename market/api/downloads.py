"""Every file the product serves goes out through here: as an attachment the browser never renders
in the page, under a name any browser reads back (RFC 6266 with RFC 8187's ``filename*``)."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from litestar import Response

CSV = "text/csv; charset=utf-8"

# Characters a quoted ASCII fallback name may not hold (quotes and backslashes would end or escape
# the quoted string; ``;`` and ``,`` confuse lenient parsers; ``%`` reads as an escape to some).
_UNSAFE_IN_FALLBACK = set('"\\;,%')


def _ascii_fallback(name: str, default: str) -> str:
    """The name in printable ASCII: accents dropped, other characters replaced by ``_``."""
    folded = unicodedata.normalize("NFKD", name)
    out = []
    for ch in folded:
        if unicodedata.combining(ch):
            continue
        out.append(ch if " " <= ch <= "~" and ch not in _UNSAFE_IN_FALLBACK else "_")
    ascii_name = "".join(out).strip(" .")
    return ascii_name if ascii_name.strip("_") else default


def content_disposition(file_name: str, default: str = "download") -> str:
    """``attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>`` for any name.

    Control characters (and separators a path could smuggle) never reach the header; the
    ``filename*`` parameter carries the exact name for every browser since 2011, the plain
    ``filename`` an ASCII look-alike for the others.
    """
    name = "".join(
        "_" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch in "/\\" else ch
        for ch in file_name
    ).strip()
    if not name:
        name = default
    return (
        f"attachment; filename=\"{_ascii_fallback(name, default)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )


def attachment(
    content: Any, content_type: str, file_name: str, headers: dict[str, str] | None = None
) -> Response[Any]:
    """A file as a download that the browser never renders in the page (documents, CSV, receipts)."""
    return Response(
        content,
        media_type=content_type,
        headers={
            "content-disposition": content_disposition(file_name),
            "x-content-type-options": "nosniff",
            "cache-control": "private, no-store",
            "content-security-policy": "default-src 'none'; sandbox",
            **(headers or {}),
        },
    )
