"""Identity rules of a mainland vehicle: VIN (ISO 3779 / GB 16735) and number plates (GA 36)."""

import re

from django.utils.translation import gettext as _

from dms.core.errors import DomainError

_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def normalize_vin(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw or "").upper()


def validate_vin(raw: str) -> str:
    """The VIN in canonical form, or DomainError on field `vin` saying what is wrong."""
    vin = normalize_vin(raw)
    if len(vin) != 17:
        raise DomainError(_("A VIN has 17 characters; this one has %(n)d.") % {"n": len(vin)}, field="vin")
    bad = sorted({c for c in vin if c not in _VIN_VALUES})
    if bad:
        raise DomainError(
            _("A VIN uses digits and letters other than I, O and Q; found: %(chars)s.")
            % {"chars": " ".join(bad)},
            field="vin",
        )
    expected = vin_check_digit(vin)
    if vin[8] != expected:
        raise DomainError(
            _(
                "The VIN's check digit (9th character) is %(got)s but should be %(want)s: a character is mistyped."
            )
            % {"got": vin[8], "want": expected},
            field="vin",
        )
    return vin


PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"  # letters used on plates: no I, no O
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_L}][{_L}0-9]{{5}}$")
_SPECIAL = re.compile(rf"^[{PROVINCES}][{_L}][{_L}0-9]{{4}}[挂学警港澳]$")
# New-energy plates (8 characters): small cars D/A/B/C/E (battery) or F/G/H/J/K (other)
# then a letter or digit and four digits; large vehicles five digits then the type letter.
_NEW_ENERGY = re.compile(rf"^[{PROVINCES}][{_L}](?:[A-HJK][{_L}0-9][0-9]{{4}}|[0-9]{{5}}[A-HJK])$")


def normalize_plate(raw: str) -> str:
    return re.sub(r"[\s·.\-]", "", raw or "").upper()


def validate_plate(raw: str) -> str:
    plate = normalize_plate(raw)
    if not plate:
        raise DomainError(_("Enter the number plate."), field="plate")
    if plate[0] not in PROVINCES:
        raise DomainError(_("A plate starts with the province's character, such as 粤 or 京."), field="plate")
    if len(plate) not in (7, 8):
        raise DomainError(
            _("A plate has 7 characters, or 8 for a new-energy vehicle; this one has %(n)d.")
            % {"n": len(plate)},
            field="plate",
        )
    if not (_ORDINARY.match(plate) or _SPECIAL.match(plate) or _NEW_ENERGY.match(plate)):
        raise DomainError(
            _(
                "%(plate)s is not a mainland plate: after the province come a letter and 5 letters or digits (6 for new-energy; no I or O)."
            )
            % {"plate": plate},
            field="plate",
        )
    return plate


def is_new_energy_plate(plate: str) -> bool:
    return len(plate) == 8 and bool(_NEW_ENERGY.match(plate))
