"""The file a claim is sent to the maker with (索赔申请表): an Excel workbook, Chinese headings
whatever the reader's language (the maker's systems read Chinese), one row per claimed line with
its order, vehicle, fault code, hours or quantity, the maker's price and the old part's tag."""

from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import WarrantyClaim

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(sheet, value):
    """Text that a spreadsheet would run as a formula is written as text (CSV/formula injection)."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def filename(claim: WarrantyClaim) -> str:
    """e.g. SP-SZ01-2026-000003.xlsx (ASCII: every browser saves it as is)."""
    return f"{claim.number}.xlsx"


def claim_xlsx(claim: WarrantyClaim, out) -> None:
    """Write the claim (from selectors.claim_get: lines and orders prefetched) to `out`."""
    import openpyxl

    zone = ZoneInfo(claim.store.time_zone or "Asia/Shanghai")
    with translation.override("zh-hans"):
        book = openpyxl.Workbook(write_only=True)
        head = book.create_sheet(_("Claim"))

        def local(dt):
            return timezone.localtime(dt, zone)

        facts = [
            (_("Claim number"), claim.number),
            (_("Store"), f"{claim.store.code} {claim.store.name}"),
            (_("Repair licence number"), claim.store.licence_no),
            (_("Brand"), claim.brand.name),
            (_("State"), str(claim.get_state_display())),
            (_("Fault code"), claim.fault_code),
            (_("Fault"), claim.fault_description),
            (
                _("Submitted"),
                local(claim.submitted_at).strftime("%Y-%m-%d %H:%M") if claim.submitted_at else "",
            ),
            (_("Claimed amount"), claim.claimed_total),
            (_("Approved amount"), claim.approved_total if claim.approved_total is not None else ""),
            (_("Reimbursed amount"), claim.paid_total if claim.paid_total is not None else ""),
            (_("Maker's reference"), claim.maker_reference),
        ]
        for label, value in facts:
            head.append([label, _cell(head, value)])
        sheet = book.create_sheet(_("Claimed lines"))
        sheet.append([
            _("Claim number"), _("Repair order No."), _("Settlement No."), _("VIN"), _("Plate"), _("Mileage in"),
            _("Settlement date"), _("Fault code"), _("Kind"), _("Operation code or part number"), _("Item name"),
            _("Hours or quantity"), _("Maker's rate or price"), _("Claimed amount"), _("Old part's tag number"),
            _("Old part"), _("Approved amount"),
        ])  # fmt: skip
        kinds = {"labor": _("Labor"), "part": _("Part"), "material": _("Material"), "fee": _("Other fee")}
        for ln in claim.lines.all():
            o = ln.repair_order
            sheet.append([
                claim.number, o.number, o.settlement_number, o.vin, _cell(sheet, o.plate), o.mileage_in,
                local(o.settled_at).strftime("%Y-%m-%d") if o.settled_at else "",
                _cell(sheet, ln.fault_code or claim.fault_code), str(kinds.get(ln.kind, ln.kind)),
                _cell(sheet, ln.code), _cell(sheet, ln.description), ln.quantity, ln.unit_price, ln.amount,
                _cell(sheet, ln.old_part_tag), str(ln.get_old_part_status_display()) if ln.old_part_status else "",
                ln.approved_amount if ln.approved_amount is not None else "",
            ])  # fmt: skip
        sheet.append([_("Total"), "", "", "", "", "", "", "", "", "", "", "", "", claim.claimed_total, "", "",
                      claim.approved_total if claim.approved_total is not None else ""])  # fmt: skip
        book.save(out)
