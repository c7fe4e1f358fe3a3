"""Pydantic models of the API. Inputs forbid unknown fields: nobody sets kind, accreditation,
flags or timestamps through them (mass assignment)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from market.domain.accounts import Role
from market.domain.numbers import CANONICAL_PATTERN
from market.domain.numbers import MAX_LENGTH as NUMBER_TEXT_LIMIT
from market.domain.organisations import Country, OrganisationKind, Sector, SizeClass, ValueChainLink

T = TypeVar("T")


class FieldError(BaseModel):
    field: str
    code: str
    message: str
    action: str | None = Field(default=None, description="What to do about it, when there is a step to take.")


class ApiError(BaseModel):
    """Every error of the API: a stable code, a message in the reader's language, and the fields
    (if any) that caused it."""

    code: str
    message: str
    fields: list[FieldError] = []


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=2000)


def _not_true_or_false(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")
    return value


# A number as JSON writes it. Pydantic's lax mode (Litestar validates in it) reads true/false as 1/0,
# and a field's own ``strict`` does not hold against that.
Number = Annotated[float, BeforeValidator(_not_true_or_false)]

#: What the API says of every decimal it takes (``market.domain.numbers`` reads them).
DECIMAL_FORM = (
    "A JSON number, or a plain decimal string matching -?\\d+(\\.\\d+)? (no thousands separator, "
    '"." before the decimals: "1500", "12.5"; "1,5" and "1.000,5" are refused)'
)


def decimal_text(value: Any) -> Any:
    """A JSON number as its exact decimal text; text is left to the domain's one reading (which
    refuses anything but the canonical form, with the API's error shape). Only text has a length
    limit here: a number's digits are the domain's to judge (its range, its length)."""
    if isinstance(value, str) and len(value) > NUMBER_TEXT_LIMIT:
        raise ValueError(f"String should have at most {NUMBER_TEXT_LIMIT} characters")
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("a finite number")
        return format(Decimal(repr(value)), "f")
    return value


@dataclass(frozen=True)
class DecimalForm:
    """Marks a decimal input: ``openapi.py`` publishes it as a number or a string of the pattern."""

    def schema(self) -> dict[str, Any]:
        text = {"type": "string", "pattern": CANONICAL_PATTERN, "maxLength": NUMBER_TEXT_LIMIT}
        return {"oneOf": [text, {"type": "number"}]}


#: A decimal as the API takes it: a JSON number or a plain decimal string (``DECIMAL_FORM``).
DecimalIn = Annotated[str, BeforeValidator(decimal_text), DecimalForm()]


@dataclass(frozen=True)
class AtMostEntries:
    """Checks a mapping has at most ``limit`` entries (``openapi.py`` publishes it as
    ``maxProperties``)."""

    limit: int

    def __call__(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(value) > self.limit:
            raise ValueError(f"at most {self.limit} entries")
        return value


def at_most_entries(limit: int) -> AfterValidator:
    """A mapping of at most ``limit`` entries. Pydantic's ``max_length`` would check the same, but
    Litestar documents it on a mapping as an array's length."""
    return AfterValidator(AtMostEntries(limit))


class ProfileIn(Input):
    legal_name: str = Field(max_length=200)
    country: Country
    tax_id: str = Field(max_length=40)
    size_class: SizeClass
    sector: Sector
    value_chain_links: list[ValueChainLink] = Field(default_factory=list, max_length=8)
    classification_codes: list[str] = Field(default_factory=list, max_length=50)
    monthly_capacity: int | None = Field(default=None, ge=0, le=10**12)
    capacity_unit: str = Field(default="", max_length=30)
    languages: list[str] = Field(default_factory=list, max_length=3)
    contact_name: str = Field(default="", max_length=120)
    contact_email: str = Field(default="", max_length=254)
    contact_phone: str = Field(default="", max_length=24)
    website: str = Field(default="", max_length=200)


class ProfilePatch(Input):
    legal_name: str | None = Field(default=None, max_length=200)
    country: Country | None = None
    tax_id: str | None = Field(default=None, max_length=40)
    size_class: SizeClass | None = None
    sector: Sector | None = None
    value_chain_links: list[ValueChainLink] | None = Field(default=None, max_length=8)
    classification_codes: list[str] | None = Field(default=None, max_length=50)
    monthly_capacity: int | None = Field(default=None, ge=0, le=10**12)
    capacity_unit: str | None = Field(default=None, max_length=30)
    languages: list[str] | None = Field(default=None, max_length=3)
    contact_name: str | None = Field(default=None, max_length=120)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=24)
    website: str | None = Field(default=None, max_length=200)


class AdminIn(Input):
    email: str = Field(max_length=254)
    full_name: str = Field(max_length=120)
    password: str = Field(max_length=1024)


class SignupIn(Input):
    organisation: ProfileIn
    admin: AdminIn


class OrganisationOut(BaseModel):
    id: uuid.UUID
    kind: OrganisationKind
    legal_name: str
    country: Country
    tax_id: str
    size_class: SizeClass
    sector: Sector
    value_chain_links: list[str]
    classification_codes: list[str]
    monthly_capacity: int | None
    capacity_unit: str
    languages: list[str]
    contact_name: str
    contact_email: str
    contact_phone: str
    website: str
    accredited: bool
    onboarded_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> OrganisationOut:
        return cls.model_validate({name: row[name] for name in cls.model_fields})


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    disabled: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> UserOut:
        return cls.model_validate({name: row[name] for name in cls.model_fields})


class MeOut(BaseModel):
    user: UserOut
    organisation: OrganisationOut
    locale: str


class SignupOut(BaseModel):
    organisation: OrganisationOut
    user: UserOut


class PersonPatch(Input):
    role: Role | None = None
    disabled: bool | None = None


class InvitationIn(Input):
    email: str = Field(max_length=254)
    role: Role = Role.MEMBER


class InvitationOut(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    created_at: dt.datetime
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> InvitationOut:
        return cls.model_validate({name: row[name] for name in cls.model_fields})


class InvitationCreated(BaseModel):
    invitation: InvitationOut
    code: str = Field(description="Single-use code; shown only in this response and in the e-mail.")


class AcceptInvitationIn(Input):
    code: str = Field(max_length=40)
    full_name: str = Field(max_length=120)
    password: str = Field(max_length=1024)


class TokenIn(Input):
    name: str = Field(max_length=80)


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> TokenOut:
        return cls.model_validate({name: row[name] for name in cls.model_fields})


class TokenCreated(BaseModel):
    token: TokenOut
    secret: str = Field(description="The token itself; shown only in this response.")


class AccreditationIn(Input):
    accredited: bool


class NotificationOut(BaseModel):
    """A message to your organisation, in your language; ``link`` leads to what it is about."""

    id: uuid.UUID
    code: str
    message: str
    link: str
    created_at: dt.datetime
    read: bool
