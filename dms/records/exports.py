"""The records of a period as a file, for stores that upload by hand (or to check the platform
against): one row per record with Chinese headings, the completion certificate's number and the
settlement list's six fees among them. Excel (.xlsx: a second sheet has one row per repair item
and per part, with the fee each counts as) from the pages, CSV (UTF-8 with a BOM, so that Excel
reads the Chinese) or .xlsx from the API. A record built before the certificate and the fees were
kept (or uploaded without them) has those cells empty.

Cells that a spreadsheet would read as a formula (text starting with = + - @) are written as text
(a quote prefix in .xlsx, a leading apostrophe in CSV).
"""

import csv
import io
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from dms.workshop.models import FeeCategory

from .build import labor_hours
from .models import RepairRecord

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def _items(data: dict, key: str, fields: tuple[str, ...]) -> str:
    return "；".join(" ".join(str(i.get(f, "")) for f in fields).strip() for i in data.get(key, []))


def _fee_label(value) -> str:
    return str(FeeCategory(value).label) if value in FeeCategory.values else ""


def _fees(d: dict) -> list:
    """The six fees' amounts in the regulation's order (empty for a record kept without them)."""
    amounts = {c.get("feecategory"): c.get("amount") for c in d.get("costlist") or []}
    return [Decimal(amounts[fee]) if amounts.get(fee) else "" for fee in FeeCategory.values]


def _headings() -> list[str]:
    return [
        _("Store"), _("Plate"), _("VIN"), _("Date in"), _("Mileage in (km)"), _("Settlement date"),
        _("Settlement list number"), _("Completion certificate No."), _("Fault description"), _("Repair items"),
        _("Labor hours"), _("Parts (name, number, quantity)"), *(str(label) for _v, label in FeeCategory.choices),
        _("Upload"),
    ]  # fmt: skip


def _row(r: RepairRecord) -> list:
    d = r.data or {}
    return [
        d.get("companyname", ""), d.get("vehicleplatenumber", ""), d.get("vin", ""), d.get("repairdate", ""),
        d.get("repairmileage", ""), d.get("settledate", ""), d.get("costlistcode", ""), d.get("certificatecode", ""),
        d.get("faultdescription", ""), _items(d, "repairprojectlist", ("repairproject", "workinghours")),
        f"{labor_hours(d):.2f}", _items(d, "vehiclepartslist", ("partsname", "partscode", "partsquantity")),
        *_fees(d), str(r.get_state_display()),
    ]  # fmt: skip


def write_csv(records: list[RepairRecord], *, language: str = "zh-hans") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    with translation.override(language):
        writer.writerow(_headings())
        for r in records:
            writer.writerow(
                ["'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in _row(r)]
            )
    return ("\ufeff" + out.getvalue()).encode()


def write_xlsx(records: list[RepairRecord], out, *, language: str = "zh-hans") -> None:
    import openpyxl

    with translation.override(language):
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(_("Repair records"))
        sheet.append(_headings())
        detail = book.create_sheet(_("Items and parts"))
        detail.append([
            _("Settlement list number"), _("Kind"), _("Item or part"), _("Part number"), _("Labor hours / quantity"),
            _("Fee"),
        ])  # fmt: skip
        for r in records:
            d = r.data or {}
            sheet.append([_cell(sheet, v) for v in _row(r)])
            for p in d.get("repairprojectlist", []):
                detail.append([_cell(detail, v) for v in (d.get("costlistcode", ""), str(_("Repair item")),
                               p.get("repairproject", ""), "", p.get("workinghours", ""),
                               _fee_label(p.get("feecategory")))])  # fmt: skip
            for p in d.get("vehiclepartslist", []):
                detail.append([_cell(detail, v) for v in (d.get("costlistcode", ""), str(_("Part")),
                               p.get("partsname", ""), p.get("partscode", ""), p.get("partsquantity", ""),
                               _fee_label(p.get("feecategory")))])  # fmt: skip
        book.save(out)


def filename(store_code: str, month: str, extension: str = "xlsx") -> str:
    return f"repair-records-{store_code}-{month}.{extension}"
