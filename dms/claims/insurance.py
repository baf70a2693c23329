"""Writes of insurance claims (事故车/理赔): the insurer, the numbers, the assessor's amount, the
documents, billing the insurer and the money it pays.

The insurer pays the order's lines whose payer is `insurer` (its share); the customer pays the rest
(the excess, what the assessor did not accept). At submission the share is billed (`billed_amount`):
it may not exceed the assessed amount (定损) — the insurer pays no more; a larger repair needs a
supplementary assessment (追加定损) recorded first, or the difference moved to the customer. The
payments the insurer makes are recorded against the bill; the one that covers it takes the claim
to `paid`.
"""

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError, NotFound, stale_version
from dms.core.events import publish
from dms.core.images import reencode_photo
from dms.core.numbering import next_number
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import invalid
from dms.workshop.models import LineState, Payer, RepairOrder, RepairOrderLine, State
from dms.workshop.services import money

from .models import (
    DocumentKind,
    InsuranceClaim,
    InsuranceDocument,
    InsuranceEvent,
    InsurancePayment,
    InsuranceState,
    Insurer,
    document_path,
)
from .workflow import INSURANCE

ZERO = Decimal("0.00")
SETTLED = (State.SETTLED, State.DELIVERED)
MAX_DOCUMENTS = 40
MAX_FILE_BYTES = 10 * 1024 * 1024
DOCUMENTS_REQUEST_BYTES = 6 * MAX_FILE_BYTES
TEXT_FIELDS = {"policy_number": 40, "claim_number": 40, "assessor": 50, "note": 500}


def _text(value, limit: int, field: str, *, required: str | None = None) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise DomainError(_("At most %(n)s characters.") % {"n": limit}, field=field)
    if required and not value:
        raise DomainError(required, field=field)
    return value


def insurer_share(order_id) -> Decimal:
    """What the insurer pays of an order: its lines paid by the insurer (not declined)."""
    total = (
        RepairOrderLine.objects.filter(order_id=order_id, payer=Payer.INSURER)
        .exclude(state=LineState.DECLINED)
        .aggregate(s=Sum("amount"))["s"]
    )
    return total or ZERO


# --- Insurers ---------------------------------------------------------------------------------------


def _documents(kinds) -> list[str]:
    kinds = list(dict.fromkeys(kinds or []))
    wrong = [k for k in kinds if k not in DocumentKind.values]
    if wrong:
        raise DomainError(
            _("Choose one of: %(v)s.") % {"v": ", ".join(DocumentKind.values)}, field="required_documents"
        )
    return kinds


def insurer_create(
    *, tenant: Tenant, name: str, contact: str = "", phone: str = "", required_documents: list[str] | None = None
) -> Insurer:  # fmt: skip
    tenant.require(Perm.CLAIM_MANAGE)
    insurer = Insurer(
        store=tenant.store, name=_text(name, 100, "name", required=_("Give the insurer's name.")),
        contact=_text(contact, 100, "contact"), phone=_text(phone, 30, "phone"),
    )  # fmt: skip
    if required_documents is not None:
        insurer.required_documents = _documents(required_documents)
    try:
        with transaction.atomic():
            insurer.save()
    except IntegrityError:
        raise Conflict(_("The store has an insurer of this name already."), field="name") from None
    return insurer


def insurer_update(
    *, tenant: Tenant, insurer_id: int, name: str | None = None, contact: str | None = None,
    phone: str | None = None, required_documents: list[str] | None = None, active: bool | None = None,
) -> Insurer:  # fmt: skip
    insurer = get_scoped(Insurer.objects, tenant, pk=insurer_id)
    tenant.require(Perm.CLAIM_MANAGE)
    if name is not None:
        insurer.name = _text(name, 100, "name", required=_("Give the insurer's name."))
    if contact is not None:
        insurer.contact = _text(contact, 100, "contact")
    if phone is not None:
        insurer.phone = _text(phone, 30, "phone")
    if required_documents is not None:
        insurer.required_documents = _documents(required_documents)
    if active is not None:
        insurer.active = active
    try:
        with transaction.atomic():
            insurer.save()
    except IntegrityError:
        raise Conflict(_("The store has an insurer of this name already."), field="name") from None
    return insurer


# --- The claim --------------------------------------------------------------------------------------


def _record(claim: InsuranceClaim, tenant: Tenant, action: str, data: dict) -> None:
    InsuranceEvent.objects.create(claim=claim, at=timezone.now(), by=tenant.user, action=action,
                                  from_state=claim.state, to_state=claim.state, data=data)  # fmt: skip


def _fields(tenant: Tenant, *, insurer_id=None, accident_date=None, assessed_amount=None, **texts) -> dict:
    """The claim's fields as given (None: left out), checked; DomainError naming every wrong one."""
    errors: list[dict] = []
    out: dict = {}
    for name, value in texts.items():
        if value is None:
            continue
        try:
            out[name] = _text(value, TEXT_FIELDS[name], name)
        except DomainError as exc:
            errors.extend(exc.errors)
    if insurer_id is not None:
        insurer = Insurer.objects.for_tenant(tenant).filter(pk=insurer_id).first()
        if insurer is None:
            raise NotFound(_("No such insurer in this store."))
        out["insurer"] = insurer
    if accident_date is not None:
        if accident_date > timezone.localdate():
            errors.append({"field": "accident_date", "message": _("The accident cannot be in the future.")})
        out["accident_date"] = accident_date
    if assessed_amount is not None:
        try:
            out["assessed_amount"] = money(assessed_amount, field="assessed_amount")
        except DomainError as exc:
            errors.extend(exc.errors)
    if errors:
        raise invalid(errors)
    return out


def insurance_claim_create(
    *, tenant: Tenant, repair_order_id: int, insurer_id: int, policy_number: str, claim_number: str,
    accident_date: date | None = None, assessed_amount=None, assessor: str = "", note: str = "",
) -> InsuranceClaim:  # fmt: skip
    """Open the insurance claim of an accident repair (one per order), from check-in on: the
    assessor's amount and the documents may come later."""
    tenant.require(Perm.CLAIM_WORK)
    order = get_scoped(RepairOrder.objects, tenant, pk=repair_order_id)
    values = _fields(tenant, insurer_id=insurer_id, accident_date=accident_date, assessed_amount=assessed_amount,
                     policy_number=policy_number, claim_number=claim_number, assessor=assessor, note=note)  # fmt: skip
    errors = []
    if not values["policy_number"]:
        errors.append({"field": "policy_number", "message": _("Give the policy number.")})
    if not values["claim_number"]:
        errors.append({"field": "claim_number", "message": _("Give the insurer's report number (报案号).")})
    if errors:
        raise invalid(errors)
    if order.state == State.CANCELLED:
        raise Conflict(_("The order is cancelled."), field="repair_order_id", state=order.state)
    with transaction.atomic():
        existing = (
            InsuranceClaim.objects.filter(repair_order=order).exclude(state=InsuranceState.CANCELLED).first()
        )
        if existing is not None:
            raise Conflict(_("Order %(order)s has an insurance claim already: %(number)s.")
                           % {"order": order.number, "number": existing.number}, field="repair_order_id")  # fmt: skip
        claim = InsuranceClaim(
            store=tenant.store, repair_order=order, created_by=tenant.user, **values,
            number=next_number(store=tenant.store, kind="insurance_claim", year=timezone.localdate().year, prefix="BX-"),
        )  # fmt: skip
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError:
            raise Conflict(_("Order %(order)s has an insurance claim already.") % {"order": order.number},
                           field="repair_order_id") from None  # fmt: skip
        data = {
            "repair_order": order.number,
            "insurer": claim.insurer.name,
            "claim_number": claim.claim_number,
        }
        InsuranceEvent.objects.create(claim=claim, at=timezone.now(), by=tenant.user, action="create",
                                      to_state=claim.state, data=data)  # fmt: skip
        publish(type="insurance_claim.created", store=tenant.store, subject=claim, actor=tenant.user,
                payload={"number": claim.number, "repair_order_id": order.pk, **data})  # fmt: skip
    return claim


def _lock(tenant: Tenant, claim_id, version: int | None) -> InsuranceClaim:
    claim = get_scoped(InsuranceClaim.objects.select_for_update(), tenant, pk=claim_id)
    if version is not None and version != claim.version:
        raise stale_version(claim.version)
    return claim


def _open_only(claim: InsuranceClaim, message=None) -> None:
    if claim.state != InsuranceState.OPEN:
        raise Conflict(
            message or _("The insurance claim is “%(state)s”: it no longer changes.") % {"state": claim.get_state_display()},
            state=claim.state, allowed_actions=INSURANCE.allowed_actions(claim),
        )  # fmt: skip


def insurance_claim_update(
    *, tenant: Tenant, claim_id: int, version: int | None = None, insurer_id: int | None = None,
    policy_number: str | None = None, claim_number: str | None = None, accident_date: date | None = None,
    assessed_amount=None, assessor: str | None = None, note: str | None = None,
) -> InsuranceClaim:  # fmt: skip
    """Change what the claim says while it is open (a supplementary assessment, 追加定损, is a new
    assessed amount); fields left out keep theirs."""
    with transaction.atomic():
        claim = _lock(tenant, claim_id, version)
        tenant.require(Perm.CLAIM_WORK)
        _open_only(claim)
        values = _fields(tenant, insurer_id=insurer_id, accident_date=accident_date, assessed_amount=assessed_amount,
                         policy_number=policy_number, claim_number=claim_number, assessor=assessor, note=note)  # fmt: skip
        for name in ("policy_number", "claim_number"):
            if name in values and not values[name]:
                raise DomainError(_("This number cannot be left empty."), field=name)
        for name, value in values.items():
            setattr(claim, name, value)
        claim.version += 1
        claim.save(update_fields=[*values, "version", "updated_at"])
        _record(claim, tenant, "edit", {n: str(v) for n, v in values.items()})
    return claim


# --- Documents --------------------------------------------------------------------------------------


def read_document(content: bytes, *, field: str) -> tuple[bytes, str]:
    """A document as it is kept: a PDF as sent (checked to be one), or a photo re-encoded as a JPEG
    without its metadata. Call it before any transaction (a photo is decoded)."""
    if len(content) > MAX_FILE_BYTES:
        raise DomainError(
            _("A file may be at most %(mb)s MB.") % {"mb": MAX_FILE_BYTES // 1024 // 1024}, field=field
        )
    if content[:5] == b"%PDF-":
        return content, "application/pdf"
    try:
        return reencode_photo(content, field=field), "image/jpeg"
    except DomainError:
        raise DomainError(_("Send a photo (JPEG, PNG or WebP) or a PDF."), field=field) from None


def documents_add(
    *, tenant: Tenant, claim_id: int, kind: str, files: list[tuple[bytes, str]], fields: list[str] | None = None
) -> list[InsuranceDocument]:  # fmt: skip
    """Add documents of one kind (定损单, 行驶证 …), all or none, while the claim is open or billed."""
    claim = get_scoped(InsuranceClaim.objects, tenant, pk=claim_id)
    tenant.require(Perm.CLAIM_WORK)
    if kind not in DocumentKind.values:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(DocumentKind.values)}, field="kind")
    if not files:
        raise DomainError(_("Send at least one file."), field="files")
    fields = fields or [f"files.{i}" for i in range(len(files))]
    prepared = []
    for (content, caption), field in zip(files, fields, strict=True):
        prepared.append((*read_document(content, field=field), _text(caption, 200, "caption")))
    storage = InsuranceDocument._meta.get_field("file").storage
    names: list[str] = []
    try:
        for data, content_type, _caption in prepared:
            placeholder = InsuranceDocument(claim=claim, content_type=content_type)
            names.append(storage.save(document_path(placeholder, "document"), ContentFile(data)))
        with transaction.atomic():
            claim = _lock(tenant, claim_id, None)
            if claim.state not in (InsuranceState.OPEN, InsuranceState.SUBMITTED):
                raise Conflict(
                    _("Documents are added while the claim is open or with the insurer."), state=claim.state
                )
            if claim.documents.count() + len(prepared) > MAX_DOCUMENTS:
                raise DomainError(
                    _("At most %(n)s documents per claim.") % {"n": MAX_DOCUMENTS}, field="files"
                )
            now = timezone.now()
            added = [
                InsuranceDocument(claim=claim, kind=kind, file=name, content_type=content_type, caption=caption,
                                  at=now, by=tenant.user)
                for name, (_data, content_type, caption) in zip(names, prepared, strict=True)
            ]  # fmt: skip
            for d in added:
                d.save()
            claim.version += 1
            claim.save(update_fields=["version", "updated_at"])
            _record(claim, tenant, "documents-add", {"kind": kind, "files": len(added)})
    except BaseException:
        for name in names:
            storage.delete(name)
        raise
    return added


def document_remove(*, tenant: Tenant, claim_id: int, document_id: int) -> None:
    with transaction.atomic():
        claim = _lock(tenant, claim_id, None)
        tenant.require(Perm.CLAIM_WORK)
        doc = claim.documents.filter(pk=document_id).first()
        if doc is None:
            raise NotFound()
        _open_only(claim, _("Documents sent to the insurer are kept."))
        name, storage = doc.file.name, doc.file.storage
        doc.delete()
        claim.version += 1
        claim.save(update_fields=["version", "updated_at"])
        _record(claim, tenant, "document-remove", {"kind": doc.kind})
        transaction.on_commit(lambda: storage.delete(name))


def missing_documents(claim: InsuranceClaim, kinds_present=None) -> list[str]:
    """The kinds of document the insurer asks for that the claim has none of."""
    present = (
        set(claim.documents.values_list("kind", flat=True)) if kinds_present is None else set(kinds_present)
    )
    return [k for k in (claim.insurer.required_documents or []) if k not in present]


# --- The steps and the money ------------------------------------------------------------------------


def insurance_claim_act(
    *, tenant: Tenant, claim_id: int, action: str, version: int | None = None, reason: str = ""
) -> InsuranceClaim:
    """submit (bill the insurer its share) or cancel (with why)."""
    if action not in INSURANCE or action == "pay":
        raise DomainError(_("Choose one of: %(v)s.") % {"v": "submit, cancel"}, field="action")

    def effect(claim: InsuranceClaim) -> dict:
        if action != "submit":
            return {}
        order = claim.repair_order
        errors = []
        if order.state not in SETTLED:
            raise Conflict(_("Order %(number)s is “%(state)s”: the insurer is billed once it is settled.")
                           % {"number": order.number, "state": order.get_state_display()}, state=claim.state)  # fmt: skip
        share = insurer_share(order.pk)
        if claim.assessed_amount is None:
            errors.append(
                {"field": "assessed_amount", "message": _("Record the assessor's amount (定损) first.")}
            )
        elif share > claim.assessed_amount:
            errors.append({"field": "assessed_amount", "message": _(
                "The insurer's share (%(share)s) is more than the assessed amount (%(assessed)s): record a "
                "supplementary assessment (追加定损) or move the difference to the customer."
            ) % {"share": f"{share:.2f}", "assessed": f"{claim.assessed_amount:.2f}"}})  # fmt: skip
        if share <= 0:
            errors.append(
                {"field": "repair_order_id", "message": _("No line of the order is paid by the insurer.")}
            )
        labels = dict(DocumentKind.choices)
        missing = missing_documents(claim)
        if missing:
            errors.append({"field": "documents", "message": _("Still missing: %(docs)s.")
                           % {"docs": "、".join(str(labels.get(k, k)) for k in missing)}})  # fmt: skip
        if errors:
            raise invalid(errors)
        claim.billed_amount = share
        return {"billed_amount": f"{share:.2f}", "_fields": ["billed_amount"]}

    return INSURANCE.apply(
        tenant=tenant, pk=claim_id, action=action, version=version, reason=reason, effect=effect
    )


def insurance_payment_record(
    *, tenant: Tenant, claim_id: int, amount, received_on: date | None = None, reference: str = ""
) -> InsurancePayment:
    """Record money received from the insurer; the payment that covers the bill takes the claim to
    `paid` (one step of the workflow, in the same transaction)."""
    value = money(amount, field="amount")
    reference = _text(reference, 60, "reference")
    on = received_on or timezone.localdate()
    with transaction.atomic():
        claim = INSURANCE.lock(tenant, claim_id)
        tenant.require(Perm.CLAIM_MANAGE)
        if claim.state != InsuranceState.SUBMITTED:
            raise Conflict(_("Payments are recorded once the insurer is billed; the claim is “%(state)s”.")
                           % {"state": claim.get_state_display()}, state=claim.state)  # fmt: skip
        if value <= 0:
            raise DomainError(_("Enter the amount received."), field="amount")
        if value > claim.outstanding:
            raise DomainError(_("The insurer owes %(owed)s on this claim: %(amount)s is more.")
                              % {"owed": f"{claim.outstanding:.2f}", "amount": f"{value:.2f}"}, field="amount")  # fmt: skip
        if on > timezone.localdate():
            raise DomainError(_("The date received cannot be in the future."), field="received_on")
        payment = InsurancePayment.objects.create(claim=claim, amount=value, received_on=on, reference=reference,
                                                  at=timezone.now(), by=tenant.user)  # fmt: skip
        claim.paid_total += value
        data = {"amount": f"{value:.2f}", "received_on": on.isoformat(), "reference": reference}
        if claim.outstanding == 0:
            INSURANCE.check(claim, "pay", tenant=tenant)
            INSURANCE.step(claim, "pay", actor=tenant.user, store=tenant.store, data=data,
                           effect=lambda c: {"_fields": ["paid_total"]})  # fmt: skip
        else:
            claim.version += 1
            claim.save(update_fields=["paid_total", "version", "updated_at"])
            _record(claim, tenant, "payment", data)
    return payment
