"""Writes of manufacturer warranty claims (索赔): collect, complete, take a step; the maker's prices.

A claim collects the warranty lines (payer `warranty`, not declined) of settled or delivered repair
orders of one brand, each priced as the maker reimburses it:
- labor: the labor operation's standard hours (the line's hours when it names none) × the maker's
  labor rate of the store for the brand (MakerLaborRate); without one, the store's own rate, marked
  `price_source = store` for the clerk to check;
- parts and materials: the quantity × the maker's price of the part for the brand (MakerPartPrice);
  without one, the order's unit price, marked likewise;
- other fees: as on the order.
The clerk may correct the hours, prices, fault codes and old-part tags while the claim is a draft.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError, Forbidden, NotFound, stale_version
from dms.core.events import publish
from dms.core.images import reencode_photo
from dms.core.numbering import next_number
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import invalid
from dms.workshop.models import LineKind, LineState, Payer, RepairOrder, RepairOrderLine, State
from dms.workshop.services import money, parse_quantity

from .models import (
    ClaimEvent,
    ClaimLine,
    ClaimPhoto,
    ClaimState,
    MakerLaborRate,
    MakerPartPrice,
    OldPartStatus,
    PriceSource,
    WarrantyClaim,
    claim_photo_path,
)
from .workflow import WARRANTY

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SETTLED = (State.SETTLED, State.DELIVERED)
MAX_ORDERS = 50  # orders in one claim (a month's batch of a busy store)
MAX_PHOTOS = 30
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTOS_REQUEST_BYTES = 12 * MAX_PHOTO_BYTES  # a request of photos: a few at a time
FAULT_CODE_MAX = 20
TAG_MAX = 30


def may_read(tenant: Tenant) -> bool:
    return tenant.can(Perm.CLAIM_WORK) or tenant.can(Perm.CLAIM_MANAGE)


def require_read(tenant: Tenant) -> None:
    if not may_read(tenant):
        raise Forbidden(_("Your role does not allow this."))


# --- The maker's prices -----------------------------------------------------------------------------


def maker_rate(store, brand_id: int) -> Decimal | None:
    return (
        MakerLaborRate.objects.filter(store=store, brand_id=brand_id).values_list("rate", flat=True).first()
    )


def maker_rate_set(*, tenant: Tenant, brand_id: int, rate) -> MakerLaborRate:
    """Set the maker's labor rate of the tenant's store for a brand of its group."""
    from dms.core.models import Brand

    tenant.require(Perm.CLAIM_MANAGE)
    brand = get_scoped(Brand.objects, tenant, pk=brand_id)
    value = money(rate, field="rate")
    with transaction.atomic():
        row, _created = MakerLaborRate.objects.select_for_update().get_or_create(
            store=tenant.store, brand=brand, defaults={"rate": value, "updated_by": tenant.user}
        )
        if not _created:
            row.rate, row.updated_by = value, tenant.user
            row.save(update_fields=["rate", "updated_by", "updated_at"])
    return row


def maker_part_price_set(*, tenant: Tenant, brand_id: int, part_id: int, price) -> MakerPartPrice:
    """Set the maker's price of a part for a brand (the group's, every store's)."""
    from dms.core.models import Brand
    from dms.parts.models import Part

    tenant.require(Perm.CLAIM_MANAGE)
    brand = get_scoped(Brand.objects, tenant, pk=brand_id)
    part = get_scoped(Part.objects, tenant, pk=part_id)
    value = money(price, field="price")
    with transaction.atomic():
        row, created = MakerPartPrice.objects.select_for_update().get_or_create(
            group_id=tenant.group_id, brand=brand, part=part, defaults={"price": value}
        )
        if not created:
            row.price = value
            row.save(update_fields=["price", "updated_at"])
    return row


def _priced(line: RepairOrderLine, *, rate: Decimal | None, store_rate: Decimal, prices: dict) -> dict:
    """What the maker is asked for one order line (see the module doc)."""
    if line.kind == LineKind.LABOR:
        op = line.labor_operation
        hours = op.standard_hours if op is not None else line.quantity
        price, source = (rate, PriceSource.MAKER) if rate is not None else (store_rate, PriceSource.STORE)
        code = op.code if op is not None else ""
        quantity = hours
    elif line.kind in (LineKind.PART, LineKind.MATERIAL):
        quantity = line.quantity
        maker = prices.get(line.part_id) if line.part_id else None
        price, source = (
            (maker, PriceSource.MAKER) if maker is not None else (line.unit_price, PriceSource.STORE)
        )
        code = line.part.number if line.part_id else ""
    else:
        quantity, price, source, code = line.quantity, line.unit_price, PriceSource.STORE, ""
    return {
        "kind": line.kind, "code": code, "description": line.description[:200], "quantity": quantity,
        "unit_price": price, "price_source": source, "amount": _amount(quantity, price),
    }  # fmt: skip


def _amount(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Collecting a claim -----------------------------------------------------------------------------


def warranty_lines(order_ids) -> list[RepairOrderLine]:
    """The warranty lines of the orders that count (not declined), oldest first."""
    return list(
        RepairOrderLine.objects.filter(order_id__in=order_ids, payer=Payer.WARRANTY)
        .exclude(state=LineState.DECLINED)
        .select_related("labor_operation", "part")
        .order_by("order_id", "created_at", "id")
    )


def warranty_claim_create(
    *, tenant: Tenant, repair_order_ids: list[int], fault_code: str = "", fault_description: str = "",
    note: str = "",
) -> WarrantyClaim:  # fmt: skip
    """Collect the unclaimed warranty lines of settled orders of one brand into a draft claim: one
    order, or several sent to the maker as one batch."""
    tenant.require(Perm.CLAIM_WORK)
    ids = list(dict.fromkeys(repair_order_ids or []))
    if not ids:
        raise DomainError(_("Choose at least one settled repair order."), field="repair_order_ids")
    if len(ids) > MAX_ORDERS:
        raise DomainError(
            _("At most %(n)s orders in one claim.") % {"n": MAX_ORDERS}, field="repair_order_ids"
        )
    fault_code, fault_description, note = _text(fault_code, FAULT_CODE_MAX, "fault_code"), \
        _text(fault_description, 300, "fault_description"), _text(note, 500, "note")  # fmt: skip
    with transaction.atomic():
        # The orders locked: two clerks collecting the same order wait for each other.
        orders = []
        for pk in ids:
            orders.append(
                get_scoped(RepairOrder.objects.select_for_update().select_related("vehicle"), tenant, pk=pk)
            )
        for order in orders:
            if order.state not in SETTLED:
                raise Conflict(
                    _("Order %(number)s is “%(state)s”: only settled orders are claimed.")
                    % {"number": order.number, "state": order.get_state_display()},
                    field="repair_order_ids", state=order.state,
                )  # fmt: skip
        brands = {o.vehicle.brand_id for o in orders}
        if len(brands) > 1:
            raise DomainError(
                _("A claim goes to one maker: choose orders of vehicles of one brand."),
                field="repair_order_ids",
            )
        lines = warranty_lines(ids)
        taken = dict(
            ClaimLine.objects.filter(order_line__in=[ln.pk for ln in lines], active=True).values_list(
                "order_line_id", "claim__number"
            )
        )
        by_order = {o.pk: [] for o in orders}
        for ln in lines:
            if ln.pk not in taken:
                by_order[ln.order_id].append(ln)
        for order in orders:
            if by_order[order.pk]:
                continue
            if any(ln.order_id == order.pk for ln in lines):
                numbers = sorted({taken[ln.pk] for ln in lines if ln.order_id == order.pk})
                raise Conflict(
                    _("The warranty lines of order %(number)s are claimed already (%(claims)s).")
                    % {"number": order.number, "claims": ", ".join(numbers)},
                    field="repair_order_ids",
                )
            raise DomainError(
                _("Order %(number)s has no lines paid by the warranty.") % {"number": order.number},
                field="repair_order_ids",
            )
        brand_id = brands.pop()
        rate = maker_rate(tenant.store, brand_id)
        part_ids = {ln.part_id for ln in lines if ln.part_id}
        prices = dict(
            MakerPartPrice.objects.filter(brand_id=brand_id, part_id__in=part_ids).values_list(
                "part_id", "price"
            )
        )
        now = timezone.now()
        claim = WarrantyClaim(
            store=tenant.store, brand_id=brand_id, created_by=tenant.user, fault_code=fault_code,
            fault_description=fault_description, note=note,
            number=next_number(store=tenant.store, kind="warranty_claim", year=timezone.localdate().year, prefix="SP-"),
        )  # fmt: skip
        claim.save()
        rows = [
            ClaimLine(claim=claim, repair_order_id=ln.order_id, order_line=ln,
                      **_priced(ln, rate=rate, store_rate=tenant.store.labor_rate, prices=prices))
            for order in orders for ln in by_order[order.pk]
        ]  # fmt: skip
        try:
            with transaction.atomic():
                ClaimLine.objects.bulk_create(rows)
        except IntegrityError:  # claimed meanwhile (the orders' locks make this rare)
            raise Conflict(_("Some of these lines were claimed meanwhile. Reload and try again."),
                           field="repair_order_ids") from None  # fmt: skip
        claim.claimed_total = sum((r.amount for r in rows), ZERO)
        claim.save(update_fields=["claimed_total"])
        data = {
            "orders": [o.number for o in orders],
            "lines": len(rows),
            "claimed_total": f"{claim.claimed_total:.2f}",
        }
        ClaimEvent.objects.create(claim=claim, at=now, by=tenant.user, action="create", to_state=claim.state,
                                  data=data)  # fmt: skip
        publish(type="warranty_claim.created", store=tenant.store, subject=claim, actor=tenant.user,
                payload={"number": claim.number, **data}, at=now)  # fmt: skip
    return claim


def _text(value, limit: int, field: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise DomainError(_("At most %(n)s characters.") % {"n": limit}, field=field)
    return value


def _lock(tenant: Tenant, claim_id, version: int | None) -> WarrantyClaim:
    claim = get_scoped(WarrantyClaim.objects.select_for_update(), tenant, pk=claim_id)
    if version is not None and version != claim.version:
        raise stale_version(claim.version)
    return claim


def _draft_only(claim: WarrantyClaim) -> None:
    if claim.state != ClaimState.DRAFT:
        raise Conflict(
            _("The claim is “%(state)s”: only a draft is changed.") % {"state": claim.get_state_display()},
            state=claim.state, allowed_actions=WARRANTY.allowed_actions(claim),
        )  # fmt: skip


def _touch(claim: WarrantyClaim, tenant: Tenant, action: str, data: dict, fields=()) -> None:
    claim.version += 1
    claim.save(update_fields=[*fields, "version", "updated_at"])
    ClaimEvent.objects.create(
        claim=claim, at=timezone.now(), by=tenant.user, action=action, from_state=claim.state,
        to_state=claim.state, data=data,
    )  # fmt: skip


def warranty_claim_update(
    *, tenant: Tenant, claim_id: int, version: int | None = None, fault_code: str | None = None,
    fault_description: str | None = None, note: str | None = None,
) -> WarrantyClaim:  # fmt: skip
    """Change the claim's fault code, fault and note while it is a draft (fields left out keep theirs)."""
    with transaction.atomic():
        claim = _lock(tenant, claim_id, version)
        tenant.require(Perm.CLAIM_WORK)
        _draft_only(claim)
        fields = []
        for name, value, limit in (("fault_code", fault_code, FAULT_CODE_MAX),
                                   ("fault_description", fault_description, 300), ("note", note, 500)):  # fmt: skip
            if value is not None:
                setattr(claim, name, _text(value, limit, name))
                fields.append(name)
        _touch(claim, tenant, "edit", {f: getattr(claim, f) for f in fields}, fields)
    return claim


def claim_line_update(
    *, tenant: Tenant, claim_id: int, line_id: int, version: int | None = None, quantity=None, unit_price=None,
    fault_code: str | None = None, old_part_tag: str | None = None, old_part_status: str | None = None,
) -> ClaimLine:  # fmt: skip
    """Correct a line: its hours or quantity, the maker's price, its fault code and the old part's
    tag while the claim is a draft; what became of the old part (kept, returned, scrapped) until
    the claim is paid."""
    with transaction.atomic():
        claim = _lock(tenant, claim_id, version)
        tenant.require(Perm.CLAIM_WORK)
        line = claim.lines.filter(pk=line_id).first()
        if line is None:
            raise NotFound()
        drafting = (quantity, unit_price, fault_code, old_part_tag) != (None, None, None, None)
        if drafting or claim.state in (ClaimState.CANCELLED,):
            _draft_only(claim)
        errors: list[dict] = []
        changed: dict = {}
        for name, parse, value in (("quantity", parse_quantity, quantity), ("unit_price", money, unit_price)):
            if value is None:
                continue
            try:
                setattr(line, name, parse(value, field=name))
                changed[name] = f"{getattr(line, name):.2f}"
            except DomainError as exc:
                errors.extend(exc.errors)
        if unit_price is not None and not errors:
            line.price_source = PriceSource.MAKER
        for name, value, limit in (
            ("fault_code", fault_code, FAULT_CODE_MAX),
            ("old_part_tag", old_part_tag, TAG_MAX),
        ):
            if value is not None:
                try:
                    setattr(line, name, _text(value, limit, name))
                    changed[name] = getattr(line, name)
                except DomainError as exc:
                    errors.extend(exc.errors)
        if old_part_status is not None:
            if old_part_status not in OldPartStatus.values:
                errors.append({"field": "old_part_status", "message": _("Choose one of: %(v)s.")
                               % {"v": ", ".join(OldPartStatus.values)}})  # fmt: skip
            elif not line.needs_tag:
                errors.append(
                    {"field": "old_part_status", "message": _("Only a replaced part is kept for the maker.")}
                )
            else:
                line.old_part_status = old_part_status
                changed["old_part_status"] = old_part_status
        if old_part_tag and not line.needs_tag:
            errors.append(
                {"field": "old_part_tag", "message": _("Only a replaced part is tagged for the maker.")}
            )
        if errors:
            raise invalid(errors)
        if line.old_part_tag and not line.old_part_status:
            line.old_part_status = OldPartStatus.KEPT
        line.amount = _amount(line.quantity, line.unit_price)
        line.save()
        claim.claimed_total = sum((ln.amount for ln in claim.lines.all()), ZERO)
        _touch(claim, tenant, "line-edit", {"line": line.pk, **changed}, ["claimed_total"])
    return line


# --- Photos -----------------------------------------------------------------------------------------


def claim_photos_add(
    *, tenant: Tenant, claim_id: int, photos: list[tuple[bytes, str]], fields=None
) -> list[ClaimPhoto]:
    """Add photos (the fault, the old part with its tag, the odometer), all or none, while the claim
    is a draft or with the maker. Each is re-encoded as a JPEG without metadata before any
    transaction (dms.core.images)."""
    claim = get_scoped(WarrantyClaim.objects, tenant, pk=claim_id)
    tenant.require(Perm.CLAIM_WORK)
    fields = fields or [f"photos.{i}" for i in range(len(photos))]
    if not photos:
        raise DomainError(_("Send at least one photo."), field="photos")
    prepared = []
    for (content, caption), field in zip(photos, fields, strict=True):
        caption = _text(caption, 200, "caption")
        if len(content) > MAX_PHOTO_BYTES:
            raise DomainError(_("A photo may be at most %(mb)s MB.") % {"mb": MAX_PHOTO_BYTES // 1024 // 1024},
                              field=field)  # fmt: skip
        prepared.append((reencode_photo(content, field=field), caption))
    storage = ClaimPhoto._meta.get_field("image").storage
    names: list[str] = []
    try:
        for jpeg, _caption in prepared:
            names.append(
                storage.save(claim_photo_path(ClaimPhoto(claim=claim), "photo.jpg"), ContentFile(jpeg))
            )
        with transaction.atomic():
            claim = _lock(tenant, claim_id, None)
            if claim.state not in (ClaimState.DRAFT, ClaimState.SUBMITTED):
                raise Conflict(
                    _("Photos are added while the claim is a draft or with the maker."), state=claim.state
                )
            if claim.photos.count() + len(prepared) > MAX_PHOTOS:
                raise DomainError(_("At most %(n)s photos per claim.") % {"n": MAX_PHOTOS}, field="photos")
            now = timezone.now()
            added = [ClaimPhoto(claim=claim, image=name, caption=caption, at=now, by=tenant.user)
                     for name, (_jpeg, caption) in zip(names, prepared, strict=True)]  # fmt: skip
            for p in added:
                p.save()
            _touch(claim, tenant, "photos-add", {"photos": len(added)})
    except BaseException:
        for name in names:
            storage.delete(name)
        raise
    return added


def claim_photo_remove(*, tenant: Tenant, claim_id: int, photo_id: int) -> None:
    with transaction.atomic():
        claim = _lock(tenant, claim_id, None)
        tenant.require(Perm.CLAIM_WORK)
        photo = claim.photos.filter(pk=photo_id).first()
        if photo is None:
            raise NotFound()
        _draft_only(claim)
        name, storage = photo.image.name, photo.image.storage
        photo.delete()
        _touch(claim, tenant, "photo-remove", {"photo": photo_id})
        transaction.on_commit(lambda: storage.delete(name))


# --- The steps --------------------------------------------------------------------------------------


def missing_for_submission(claim: WarrantyClaim, lines=None, photos: int | None = None) -> list[dict]:
    """What the maker needs that the claim lacks: a fault code for each line, a tag on each old
    part, a photo. Each as {"field", "message"} (empty: ready to submit)."""
    lines = list(claim.lines.all()) if lines is None else lines
    photos = claim.photos.count() if photos is None else photos
    errors = []
    for i, ln in enumerate(lines):
        if not (ln.fault_code or claim.fault_code):
            errors.append({"field": f"lines.{i}.fault_code",
                           "message": _("Give the fault code of “%(d)s” (or one for the claim).") % {"d": ln.description}})  # fmt: skip
        if ln.needs_tag and not ln.old_part_tag:
            errors.append({"field": f"lines.{i}.old_part_tag",
                           "message": _("Tag the old part of “%(d)s” and write its tag number.") % {"d": ln.description}})  # fmt: skip
    if not photos:
        errors.append(
            {"field": "photos", "message": _("Add at least one photo of the fault or the old part.")}
        )
    return errors


def warranty_claim_act(
    *, tenant: Tenant, claim_id: int, action: str, version: int | None = None, reason: str = "",
    maker_reference: str = "", lines: list[dict] | None = None, amount=None, paid_on: date | None = None,
    payment_reference: str = "",
) -> WarrantyClaim:  # fmt: skip
    """Take one step of the claim (workflow.py): submit, approve, partly-approve ({lines:
    [{line_id, approved_amount}]}, the lines left out approved in full), reject, pay ({amount,
    paid_on, payment_reference}), cancel."""
    maker_reference = _text(maker_reference, 60, "maker_reference")
    payment_reference = _text(payment_reference, 60, "payment_reference")

    def effect(claim: WarrantyClaim) -> dict:
        claim_lines = list(claim.lines.all())
        if action == "submit":
            errors = missing_for_submission(claim, claim_lines)
            if errors:
                raise DomainError(_("The claim is not complete: %(what)s") % {"what": " ".join(str(e["message"]) for e in errors)},
                                  errors=errors)  # fmt: skip
            return {"claimed_total": f"{claim.claimed_total:.2f}"}
        if action in ("approve", "partly-approve", "reject"):
            cut = _approved_amounts(claim_lines, action, lines or [])
            for ln in claim_lines:
                ln.approved_amount = cut[ln.pk]
            ClaimLine.objects.bulk_update(claim_lines, ["approved_amount"])
            claim.approved_total = sum(cut.values(), ZERO)
            claim.decision_reason = (reason or "").strip()[:300]
            claim.maker_reference = maker_reference or claim.maker_reference
            return {"approved_total": f"{claim.approved_total:.2f}",
                    "_fields": ["approved_total", "decision_reason", "maker_reference"]}  # fmt: skip
        if action == "pay":
            paid = claim.approved_total if amount in (None, "") else money(amount, field="amount")
            if paid <= 0:
                raise DomainError(_("Enter the amount the maker paid."), field="amount")
            if paid > claim.approved_total:
                raise DomainError(
                    _("The maker approved %(approved)s: it cannot have paid more (%(paid)s).")
                    % {"approved": f"{claim.approved_total:.2f}", "paid": f"{paid:.2f}"}, field="amount",
                )  # fmt: skip
            on = paid_on or timezone.localdate()
            if on > timezone.localdate():
                raise DomainError(_("The payment date cannot be in the future."), field="paid_on")
            claim.paid_total, claim.paid_on, claim.payment_reference = paid, on, payment_reference
            return {"paid_total": f"{paid:.2f}", "paid_on": on.isoformat(),
                    "_fields": ["paid_total", "paid_on", "payment_reference"]}  # fmt: skip
        if action == "cancel":
            claim.lines.update(active=False)
            return {}
        return {}

    if action not in WARRANTY:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(WARRANTY.table)}, field="action")
    return WARRANTY.apply(
        tenant=tenant, pk=claim_id, action=action, version=version, reason=reason, effect=effect
    )


def _approved_amounts(claim_lines: list[ClaimLine], action: str, given: list[dict]) -> dict[int, Decimal]:
    if action == "approve":
        return {ln.pk: ln.amount for ln in claim_lines}
    if action == "reject":
        return dict.fromkeys((ln.pk for ln in claim_lines), ZERO)
    by_id = {ln.pk: ln for ln in claim_lines}
    cut = {ln.pk: ln.amount for ln in claim_lines}
    errors = []
    if not given:
        raise DomainError(_("Say which lines the maker cut and what it approved of them."), field="lines")
    for i, item in enumerate(given):
        line = by_id.get(item.get("line_id"))
        if line is None:
            errors.append({"field": f"lines.{i}.line_id", "message": _("This line is not on the claim.")})
            continue
        try:
            value = money(item.get("approved_amount"), field=f"lines.{i}.approved_amount")
        except DomainError as exc:
            errors.extend(exc.errors)
            continue
        if value > line.amount:
            errors.append({"field": f"lines.{i}.approved_amount",
                           "message": _("At most the claimed %(amount)s.") % {"amount": f"{line.amount:.2f}"}})  # fmt: skip
            continue
        cut[line.pk] = value
    if errors:
        raise invalid(errors)
    if sum(cut.values(), ZERO) == sum((ln.amount for ln in claim_lines), ZERO):
        raise DomainError(_("Every line is approved in full: record it as approved."), field="lines")
    return cut
