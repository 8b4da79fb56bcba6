"""The account's billing profile: address, time zone, billing contacts, default language, and their
validation."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from billing_portal.i18n import N_, Language, _
from billing_portal.ledger.taxes import PROVINCES
from billing_portal.shared.validation import UNSEEN_CHARACTERS, validate_email, validate_time_zone

POSTAL_CODE = re.compile(r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]")
Line = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=rf"^[^{UNSEEN_CHARACTERS}]+$",
        description=N_("Up to 100 characters, with no control characters or invisible formatting"),
    ),
]
ACCOUNT_LANGUAGE = (
    "The account's default language, for users added without one: en (English) or fr (French). French "
    "for accounts billed in Québec unless chosen otherwise"
)


def validate_contacts(values: list[str]) -> list[str]:
    cleaned = [validate_email(v) for v in values]
    if len(set(cleaned)) != len(cleaned):
        raise ValueError(_("each billing contact may be listed once"))
    return cleaned


class AddressModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line1: Line
    line2: Line | None = None
    city: Line
    province: str = Field(description="Two-letter province or territory code, e.g. ON or QC")
    postal_code: str = Field(examples=["M5V 3L9"])
    country: str = Field(
        default="CA", pattern="^CA$", description=N_("CA: the portal serves Canadian accounts")
    )

    @field_validator("province")
    @classmethod
    def _province(cls, value: str) -> str:
        if value.upper() not in PROVINCES:
            raise ValueError(
                _(
                    "must be a Canadian province or territory code: {codes}",
                    codes=", ".join(sorted(PROVINCES)),
                )
            )
        return value.upper()

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str) -> str:
        value = value.upper().strip()
        if not POSTAL_CODE.fullmatch(value):
            raise ValueError(_("must be a Canadian postal code such as M5V 3L9"))
        return f"{value[:3]} {value[-3:]}"


class ProfileUpdate(BaseModel):
    """PATCH /account/profile: any of the four, at least one."""

    model_config = ConfigDict(extra="forbid")

    billing_address: AddressModel | None = None
    time_zone: str | None = Field(default=None, examples=["America/Toronto"])
    billing_contacts: list[str] | None = Field(default=None, max_length=10)
    language: Language | None = Field(default=None, description=ACCOUNT_LANGUAGE)

    _tz = field_validator("time_zone")(lambda v: None if v is None else validate_time_zone(v))
    _contacts = field_validator("billing_contacts")(lambda v: None if v is None else validate_contacts(v))

    @model_validator(mode="after")
    def _something(self) -> ProfileUpdate:
        if not self.model_fields_set:
            raise ValueError(
                _(
                    "send at least one of {fields}",
                    fields="billing_address, time_zone, billing_contacts, language",
                )
            )
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(_("{field} cannot be null", field=name))
        return self
