"""Jinja2 set-up: gettext for templates, Babel formatting filters, label tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, StrictUndefined, pass_context
from litestar.plugins.jinja import JinjaTemplateEngine

from market.domain.accounts import ROLE_LABELS
from market.domain.organisations import (
    COUNTRY_LABELS,
    KIND_LABELS,
    LANGUAGE_LABELS,
    LINK_LABELS,
    SECTOR_LABELS,
    SIZE_LABELS,
    TAX_ID_SCHEMES,
)
from market.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    current_language,
    format_date,
    format_datetime,
    format_for_input,
    format_money,
    format_number,
    translations,
)

COUNTRY_TIMEZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "BR": "America/Sao_Paulo",
    "PY": "America/Asuncion",
    "UY": "America/Montevideo",
    "BO": "America/La_Paz",
    "OTHER": "UTC",
}


def _gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def _per_request(function: Callable[..., str]) -> Callable[..., str]:
    """A filter whose output depends on the request's language.

    ``pass_context`` keeps Jinja from folding ``{{ 1234.5|number }}`` into the template once, in
    whatever language rendered it first.
    """

    @pass_context
    def filter_(_context: Any, *args: Any, **kwargs: Any) -> str:
        return function(*args, **kwargs)

    return filter_


def configure_environment(env: Environment) -> None:
    env.undefined = StrictUndefined
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        number=_per_request(format_number),
        for_input=_per_request(format_for_input),
        money=_per_request(format_money),
        datetime=_per_request(format_datetime),
        date=_per_request(format_date),
    )
    tables: dict[str, Any] = {
        "KIND_LABELS": KIND_LABELS,
        "COUNTRY_LABELS": COUNTRY_LABELS,
        "SIZE_LABELS": SIZE_LABELS,
        "SECTOR_LABELS": SECTOR_LABELS,
        "LINK_LABELS": LINK_LABELS,
        "LANGUAGE_LABELS": LANGUAGE_LABELS,
        "ROLE_LABELS": ROLE_LABELS,
        "TAX_ID_SCHEMES": TAX_ID_SCHEMES,
        "LANGUAGE_NAMES": LANGUAGE_NAMES,
        "LANGUAGES": LANGUAGES,
        "COUNTRY_TIMEZONES": COUNTRY_TIMEZONES,
    }
    env.globals.update(tables, current_language=current_language)


def configure_templates(engine: JinjaTemplateEngine) -> None:
    configure_environment(engine.engine)
