"""Turning Django's model validation into the one domain error type."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from .errors import DomainError

# The furthest a list may be paged (a query's offset): beyond it the database's integer overflows
# (SQLite's and PostgreSQL's are 64-bit), and no store has a billion of anything.
PAGE_OFFSET_MAX = 1_000_000_000


@dataclass
class Result:
    """What a create or update service returns: the record and any warnings (not blocks)."""

    record: object
    warnings: list[dict] = field(default_factory=list)


def invalid(errors: list[dict]) -> DomainError:
    if len(errors) == 1:
        return DomainError(errors[0]["message"], errors=errors)
    return DomainError(_("Please correct the marked fields."), errors=errors)


def full_clean(instance, *, exclude=(), extra_errors: list[dict] | None = None) -> None:
    """Validate a model instance (lengths, choices, formats); raise DomainError with every field's message."""
    errors = list(extra_errors or [])
    skip = set(exclude) | {e["field"] for e in errors}
    try:
        instance.full_clean(exclude=list(skip), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                errors.append({"field": None if name == "__all__" else name, "message": message})
    if errors:
        raise invalid(errors)


def collect(errors: list[dict], func, *args, **kwargs):
    """Run one field's validator, adding its DomainError to `errors` instead of raising."""
    try:
        return func(*args, **kwargs)
    except DomainError as exc:
        errors.extend(exc.errors or [{"field": exc.field, "message": exc.message}])
        return None


def aware(value: datetime | None, tenant) -> datetime | None:
    """A date and time sent without an offset is the store's local time (API.md): never compare
    it, naive, with an aware one."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, ZoneInfo(tenant.store.time_zone))


# --- Types for the API's schemas -----------------------------------------------------------------------

MONEY_MAX = Decimal("9999999.99")

Money = Annotated[
    Decimal,
    Field(
        ge=0,
        le=MONEY_MAX,
        max_digits=9,
        decimal_places=2,
        description="CNY, at most 2 decimal places, from 0 to 9999999.99.",
    ),
]
"""An amount of money in an API body: anything else (negative, 3e307, NaN, 0.001) answers 422."""


# Dates in API input: the years a dealership's records can hold. A year such as 548 or 9999 is refused
# with 422 (the store's zone in year 548 has an offset of +08:05:43, which breaks the answer's format);
# a date of something that happens in the workshop (an appointment, a reading, a promise) lies within
# 2000-2100, a date in a person's or a car's history (a birthday, a first registration) from 1900.
OPERATIONAL_YEARS = (2000, 2100)
HISTORY_YEARS = (1900, 2100)


def _year_within(first: int, last: int):
    def check(value):
        if value is not None and not first <= value.year <= last:
            raise PydanticCustomError(
                "year_out_of_range",
                "The year must be from {first} to {last}.",
                {"first": first, "last": last},
            )
        return value

    return AfterValidator(check)


ApiDate = Annotated[date, _year_within(*OPERATIONAL_YEARS)]
"""A date in API input of something the dealership does (2000-2100)."""
ApiDateTime = Annotated[datetime, _year_within(*OPERATIONAL_YEARS)]
"""A date and time in API input (2000-2100)."""
HistoryDate = Annotated[date, _year_within(*HISTORY_YEARS)]
"""A date in a person's or a vehicle's history (1900-2100): a birthday, a first registration."""


# Choices in the API's schemas: a field that takes one of a model's choices is typed with its values, so
# the OpenAPI document lists them (`enum`) and a wrong value answers 422 "Choose one of: ..." (the
# literal_error sentence in dms.core.api.validation_message) before any service runs.


def choices_of(choices, *, blank: bool = False):
    """The type of an API field taking one of `choices` (a TextChoices class, or the values): a
    `Literal` of the values, with "" too when `blank` (a field that may be left empty)."""
    values = [getattr(v, "value", v) for v in getattr(choices, "values", choices)]
    if blank and "" not in values:
        values.append("")
    return Literal[tuple(values)]
