"""Organisations: kinds, countries, tax ids, profiles and who may see or change them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType
from typing import Any

from stdnum.ar import cuit
from stdnum.br import cnpj
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.py import ruc
from stdnum.uy import rut

from market.domain.errors import N_, DomainError, FieldCollector
from market.domain.numbers import is_blank, number_in_range


class OrganisationKind(StrEnum):
    LEAD_FIRM = "lead_firm"
    SME_SUPPLIER = "sme_supplier"
    SUPPORT_AGENCY = "support_agency"
    PLATFORM_OPERATOR = "platform_operator"


KIND_LABELS = {
    OrganisationKind.LEAD_FIRM: N_("Lead firm (buyer)"),
    OrganisationKind.SME_SUPPLIER: N_("SME supplier"),
    OrganisationKind.SUPPORT_AGENCY: N_("Support agency"),
    OrganisationKind.PLATFORM_OPERATOR: N_("Platform operator"),
}

#: Kinds the platform operator must accredit before they act for others.
ACCREDITED_KINDS = frozenset({OrganisationKind.LEAD_FIRM, OrganisationKind.SUPPORT_AGENCY})


class Country(StrEnum):
    AR = "AR"
    BR = "BR"
    PY = "PY"
    UY = "UY"
    BO = "BO"
    OTHER = "OTHER"


COUNTRY_LABELS = {
    Country.AR: N_("Argentina"),
    Country.BR: N_("Brazil"),
    Country.PY: N_("Paraguay"),
    Country.UY: N_("Uruguay"),
    Country.BO: N_("Bolivia"),
    Country.OTHER: N_("Other country"),
}


@dataclass(frozen=True)
class TaxIdScheme:
    name: str
    module: ModuleType | None
    example: str


TAX_ID_SCHEMES: dict[Country, TaxIdScheme] = {
    Country.AR: TaxIdScheme("CUIT", cuit, "20-26756539-3"),
    Country.BR: TaxIdScheme("CNPJ", cnpj, "11.222.333/0001-81"),
    Country.PY: TaxIdScheme("RUC", ruc, "80028061-0"),
    Country.UY: TaxIdScheme("RUT", rut, "21-100342-001-7"),
    Country.BO: TaxIdScheme("NIT", None, ""),
    Country.OTHER: TaxIdScheme(N_("Tax id"), None, ""),
}


class SizeClass(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


SIZE_LABELS = {
    SizeClass.MICRO: N_("Micro"),
    SizeClass.SMALL: N_("Small"),
    SizeClass.MEDIUM: N_("Medium"),
    SizeClass.LARGE: N_("Large"),
}


class Sector(StrEnum):
    """Sectors of the source study's case material."""

    AUTO_COMPONENTS = "auto_components"
    WOOD_FURNITURE = "wood_furniture"
    LEATHER_FOOTWEAR = "leather_footwear"
    FOOD_PROCESSING = "food_processing"
    TEXTILES_APPAREL = "textiles_apparel"
    METALWORKING = "metalworking"
    ELECTRONICS = "electronics"
    LOGISTICS = "logistics"
    OTHER = "other"


SECTOR_LABELS = {
    Sector.AUTO_COMPONENTS: N_("Auto components"),
    Sector.WOOD_FURNITURE: N_("Wood furniture"),
    Sector.LEATHER_FOOTWEAR: N_("Leather and footwear"),
    Sector.FOOD_PROCESSING: N_("Food processing"),
    Sector.TEXTILES_APPAREL: N_("Textiles and apparel"),
    Sector.METALWORKING: N_("Metalworking"),
    Sector.ELECTRONICS: N_("Electronics"),
    Sector.LOGISTICS: N_("Logistics and transport"),
    Sector.OTHER: N_("Other sector"),
}


class ValueChainLink(StrEnum):
    """The links of a value chain a firm can supply (fig. 5.2 of the study)."""

    RAW_MATERIALS = "raw_materials"
    COMPONENTS = "components"
    SUBASSEMBLY = "subassembly"
    ASSEMBLY = "assembly"
    FINISHING = "finishing"
    DESIGN = "design"
    PACKAGING = "packaging"
    TRANSPORT = "transport"


LINK_LABELS = {
    ValueChainLink.RAW_MATERIALS: N_("Raw materials"),
    ValueChainLink.COMPONENTS: N_("Components"),
    ValueChainLink.SUBASSEMBLY: N_("Sub-assembly"),
    ValueChainLink.ASSEMBLY: N_("Assembly"),
    ValueChainLink.FINISHING: N_("Finishing"),
    ValueChainLink.DESIGN: N_("Design"),
    ValueChainLink.PACKAGING: N_("Packaging"),
    ValueChainLink.TRANSPORT: N_("Transport"),
}

LANGUAGES = ("es", "pt", "en")
LANGUAGE_LABELS = {"es": N_("Spanish"), "pt": N_("Portuguese"), "en": N_("English")}

CPV_CODE = re.compile(r"^\d{8}(-\d)?$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,24}$")
URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
MAX_CAPACITY = 10**12


def validate_tax_id(country: Country, raw: str) -> str:
    """Return the tax id in its canonical printed form, or raise ``organisation.tax_id_invalid``."""
    scheme = TAX_ID_SCHEMES[country]
    value = raw.strip()
    if scheme.module is None:
        if not value or len(value) > 40:
            raise DomainError("organisation.tax_id_required", N_("Enter the organisation's tax id."))
        return value
    try:
        compact = scheme.module.validate(value)
    except StdnumError:
        raise DomainError(
            "organisation.tax_id_invalid",
            N_("This is not a valid %(scheme)s: check the digits (example: %(example)s)."),
            scheme=scheme.name,
            example=scheme.example,
        ) from None
    formatted: str = scheme.module.format(compact)
    return formatted


def tax_id_key(country: Country, tax_id: str) -> str:
    """The key that makes two spellings of one tax id the same firm."""
    return f"{country.value}:" + re.sub(r"[^0-9A-Za-z]", "", tax_id).upper()


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def check_email(raw: str) -> str | None:
    """The normalised address, or ``None`` when it is not one."""
    value = normalise_email(raw)
    return value if EMAIL.match(value) and len(value) <= 254 else None


@dataclass(frozen=True)
class OrganisationProfile:
    """What an organisation says about itself; validated as a whole."""

    legal_name: str
    country: Country
    tax_id: str
    size_class: SizeClass
    sector: Sector
    value_chain_links: tuple[ValueChainLink, ...]
    classification_codes: tuple[str, ...]
    monthly_capacity: int | None
    capacity_unit: str
    languages: tuple[str, ...]
    contact_name: str
    contact_email: str
    contact_phone: str
    website: str


PROFILE_FIELDS = tuple(OrganisationProfile.__dataclass_fields__)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,\n;]", value) if part.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value).strip()


def validate_profile(data: Mapping[str, Any], reader: str | None = None) -> OrganisationProfile:
    """Check every field of a profile; raise all problems together as ``ValidationFailed``."""
    errors = FieldCollector()

    legal_name = _text(data, "legal_name")
    if not 2 <= len(legal_name) <= 200:
        errors.add(
            "legal_name", "organisation.legal_name_length", N_("Enter the legal name (2 to 200 characters).")
        )

    country: Country | None = None
    try:
        country = Country(_text(data, "country").upper())
    except ValueError:
        errors.add("country", "organisation.country_unknown", N_("Choose a country from the list."))

    tax_id = _text(data, "tax_id")
    if country is not None:
        try:
            tax_id = validate_tax_id(country, tax_id)
        except DomainError as error:
            errors.add("tax_id", error.code, error.message, **error.params)

    size_class: SizeClass | None = None
    try:
        size_class = SizeClass(_text(data, "size_class"))
    except ValueError:
        errors.add("size_class", "organisation.size_class_unknown", N_("Choose a size class."))

    sector: Sector | None = None
    try:
        sector = Sector(_text(data, "sector"))
    except ValueError:
        errors.add("sector", "organisation.sector_unknown", N_("Choose a sector."))

    links: list[ValueChainLink] = []
    for raw_link in _as_list(data.get("value_chain_links")):
        try:
            links.append(ValueChainLink(raw_link))
        except ValueError:
            errors.add(
                "value_chain_links",
                "organisation.link_unknown",
                N_("Unknown value-chain link: %(link)s."),
                link=raw_link[:40],
            )

    codes = _as_list(data.get("classification_codes"))
    bad_codes = [c for c in codes if not CPV_CODE.match(c)]
    if bad_codes:
        errors.add(
            "classification_codes",
            "organisation.classification_code_invalid",
            N_("Classification codes are CPV codes of 8 digits, like 44115200: %(codes)s."),
            codes=", ".join(c[:20] for c in bad_codes[:5]),
        )
    if len(codes) > 50:
        errors.add(
            "classification_codes", "organisation.too_many_codes", N_("At most 50 classification codes.")
        )

    capacity: int | None = None
    raw_capacity = data.get("monthly_capacity")
    if not is_blank(raw_capacity):
        number = number_in_range(
            errors,
            "monthly_capacity",
            raw_capacity,
            reader,
            low=0,
            high=MAX_CAPACITY,
            whole=True,
            code="organisation.capacity_invalid",
            message=N_("Monthly capacity is a whole number of units, 0 or more."),
        )
        capacity = None if number is None else int(number)
    capacity_unit = _text(data, "capacity_unit")
    if len(capacity_unit) > 30:
        errors.add(
            "capacity_unit", "organisation.capacity_unit_length", N_("The unit has at most 30 characters.")
        )
    if capacity is not None and not capacity_unit:
        errors.add(
            "capacity_unit",
            "organisation.capacity_unit_required",
            N_("Say what unit the capacity is counted in (pieces, kg, m²…)."),
        )

    languages = [lang for lang in _as_list(data.get("languages"))]
    unknown_languages = [lang for lang in languages if lang not in LANGUAGES]
    if unknown_languages:
        errors.add("languages", "organisation.language_unknown", N_("Choose languages from the list."))

    contact_name = _text(data, "contact_name")
    if len(contact_name) > 120:
        errors.add("contact_name", "organisation.contact_name_length", N_("At most 120 characters."))
    contact_email = _text(data, "contact_email")
    if contact_email:
        checked = check_email(contact_email)
        if checked is None:
            errors.add(
                "contact_email",
                "organisation.contact_email_invalid",
                N_("Enter an e-mail address like name@example.com."),
            )
        else:
            contact_email = checked
    contact_phone = _text(data, "contact_phone")
    if contact_phone and not PHONE.match(contact_phone):
        errors.add(
            "contact_phone",
            "organisation.contact_phone_invalid",
            N_("Enter a phone number with digits, spaces and an optional leading +."),
        )
    website = _text(data, "website")
    if website and (len(website) > 200 or not URL.match(website)):
        errors.add(
            "website", "organisation.website_invalid", N_("Enter a web address starting with https://.")
        )

    errors.raise_if_any()
    assert country is not None and size_class is not None and sector is not None
    return OrganisationProfile(
        legal_name=legal_name,
        country=country,
        tax_id=tax_id,
        size_class=size_class,
        sector=sector,
        value_chain_links=tuple(dict.fromkeys(links)),
        classification_codes=tuple(dict.fromkeys(c.split("-")[0] for c in codes)),
        monthly_capacity=capacity,
        capacity_unit=capacity_unit,
        languages=tuple(dict.fromkeys(languages)),
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        website=website,
    )
