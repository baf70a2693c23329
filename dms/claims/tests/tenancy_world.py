"""This app's part of the cross-group walks (tests/test_tenancy_api.py, tests/test_tenancy_pages.py,
tests/test_role_matrix.py, tests/test_store_walk.py, tests/test_schemathesis.py): see
dms/workshop/tests/tenancy_world.py for the shape.

A world's claims: a settled order with two warranty lines (a labor operation and a part) collected
into a draft claim that is complete (fault code, the old part's tag, a photo: `submit` works), and
an accident repair with its insurance claim, open, with the assessor's document."""

from dms.core.roles import Perm

WORK_OR_MANAGE = (Perm.CLAIM_WORK, Perm.CLAIM_MANAGE)


def settled_order(tenant, vehicle, *, payer: str, part_id: int | None = None) -> int:
    """A repair order of `vehicle` taken to settlement, its lines paid by `payer` (warranty or
    insurer): a labor line, and a part line when `part_id` is given."""
    from dms.scheduling.models import Technician
    from dms.vehicles.models import Vehicle
    from dms.workshop import services

    km = max(
        Vehicle.objects.get(pk=vehicle.pk).mileage_km, 12500
    )  # as the other worlds read it: never backwards
    order = services.repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=km, complaint="水泵漏水"
    )
    reason = "保修期内水泵漏水" if payer == "warranty" else ""
    services.line_add(tenant=tenant, order_id=order.pk, kind="labor", description="更换水泵", quantity="1.5",
                      unit_price="300.00", payer=payer, warranty_reason=reason)  # fmt: skip
    if part_id:
        services.line_add(tenant=tenant, order_id=order.pk, kind="part", part_id=part_id, quantity="1", payer=payer,
                          warranty_reason=reason)  # fmt: skip
    tech, _ = Technician.objects.get_or_create(store=tenant.store, user=tenant.user, defaults={"skills": []})
    services.order_sign(tenant=tenant, order_id=order.pk)
    services.order_dispatch(tenant=tenant, order_id=order.pk, technician_id=tech.pk)
    for step in (services.order_start, services.order_finish, services.order_qc_pass):
        step(tenant=tenant, order_id=order.pk)
    from dms.workshop.models import RepairOrder

    due = RepairOrder.objects.get(pk=order.pk).customer_total
    payments = [{"method": "cash", "amount": f"{due:.2f}"}] if due else []
    services.order_settle(tenant=tenant, order_id=order.pk, payments=payments)
    return order.pk


def png_bytes() -> bytes:
    from dms.reception.tests.tenancy_world import tiny_png

    return tiny_png()


def complete_claim(tenant, order_id: int, *, photo: bool = True):
    """A draft claim of the order's warranty lines, complete: submit works."""
    from dms.claims import warranty

    claim = warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[order_id], fault_code="P0217")
    for line in claim.lines.filter(kind="part"):
        warranty.claim_line_update(tenant=tenant, claim_id=claim.pk, line_id=line.pk, old_part_tag="T-0001")
    if photo:
        warranty.claim_photos_add(tenant=tenant, claim_id=claim.pk, photos=[(png_bytes(), "旧件标签")])
    return claim


def _part(world) -> int:
    from tests.test_tenancy_api import part

    return part(world)


def warranty_order(world, key: str = "warranty_order") -> int:
    if key not in world.built:
        world.built[key] = settled_order(world.tenant, world.vehicle, payer="warranty", part_id=_part(world))
    return world.built[key]


def warranty_claim(world) -> int:
    if "claim" not in world.built:
        world.built["claim"] = complete_claim(world.tenant, warranty_order(world)).pk
    return world.built["claim"]


def claim_line(world) -> int:
    from dms.claims.models import ClaimLine

    return (
        ClaimLine.objects.filter(claim_id=warranty_claim(world))
        .order_by("pk")
        .values_list("pk", flat=True)[0]
    )


def claim_photo(world) -> int:
    """A photo of the world's claim (another one when a walk removed it)."""
    from dms.claims import warranty
    from dms.claims.models import ClaimPhoto

    claim_id = warranty_claim(world)
    found = ClaimPhoto.objects.filter(claim_id=claim_id).values_list("pk", flat=True).first()
    if found is None:
        found = warranty.claim_photos_add(tenant=world.tenant, claim_id=claim_id, photos=[(png_bytes(), "")])[
            0
        ].pk
    return found


def insurer(world, *, name: str = "人保财险深圳分公司", required=None) -> int:
    key = f"insurer:{name}"
    if key not in world.built:
        from dms.claims.insurance import insurer_create

        world.built[key] = insurer_create(tenant=world.tenant, name=name, required_documents=required).pk
    return world.built[key]


def insurance_claim(world) -> int:
    """An open insurance claim of a settled accident repair, with the assessor's document."""
    if "insurance_claim" not in world.built:
        from dms.claims import insurance

        order = settled_order(world.tenant, world.vehicle, payer="insurer")
        claim = insurance.insurance_claim_create(
            tenant=world.tenant, repair_order_id=order, insurer_id=insurer(world), policy_number="PDAA2026440300001",
            claim_number="RDAA2026440300009", assessed_amount="600.00",
        )  # fmt: skip
        insurance.documents_add(tenant=world.tenant, claim_id=claim.pk, kind="assessment",
                                files=[(png_bytes(), "定损单")])  # fmt: skip
        world.built["insurance_claim"] = claim.pk
    return world.built["insurance_claim"]


def insurance_document(world) -> int:
    """A document of the world's insurance claim (another one when a walk removed it)."""
    from dms.claims.models import InsuranceDocument

    claim_id = insurance_claim(world)
    found = InsuranceDocument.objects.filter(claim_id=claim_id).values_list("pk", flat=True).first()
    if found is None:
        from dms.claims import insurance

        found = insurance.documents_add(tenant=world.tenant, claim_id=claim_id, kind="assessment",
                                        files=[(png_bytes(), "定损单")])[0].pk  # fmt: skip
    return found


def billed_insurance_claim(world) -> int:
    """An insurance claim billed to an insurer that asks for no document: payments can be recorded."""
    if "billed_insurance_claim" not in world.built:
        from dms.claims import insurance

        order = settled_order(world.tenant, world.vehicle, payer="insurer")
        claim = insurance.insurance_claim_create(
            tenant=world.tenant, repair_order_id=order, insurer_id=insurer(world, name="平安财险", required=[]),
            policy_number="PDAA2026440300002", claim_number="RDAA2026440300010", assessed_amount="600.00",
        )  # fmt: skip
        insurance.insurance_claim_act(tenant=world.tenant, claim_id=claim.pk, action="submit")
        world.built["billed_insurance_claim"] = claim.pk
    return world.built["billed_insurance_claim"]


def _data_url() -> str:
    from dms.reception.tests.tenancy_world import png_data_url

    return png_data_url()


def _new_insurance_body(world) -> dict:
    from tests.test_tenancy_api import repair_order

    return {"repair_order_id": repair_order(world), "insurer_id": insurer(world), "policy_number": "PDAA1",
            "claim_number": "RDAA1"}  # fmt: skip


RECORDS: dict = {
    "claim_id": warranty_claim,
    "claim_line_id": claim_line,
    "claim_photo_id": claim_photo,
    "insurance_claim_id": insurance_claim,
    "document_id": insurance_document,
    "insurer_id": insurer,
}
PATH_RECORDS: dict = {
    ("/insurance-claims/{insurance_claim_id}/payments", "insurance_claim_id"): billed_insurance_claim,
}
BODIES: dict = {
    ("POST", "/warranty-claims"): lambda w: {"repair_order_ids": [warranty_order(w, "warranty_order_2")]},
    ("POST", "/warranty-claims/{claim_id}/photos"): lambda w: {"photos": [{"data_url": _data_url(), "caption": "故障部位"}]},
    ("PUT", "/maker-rates"): lambda w: {"brand_id": w.vehicle.brand_id, "rate": "85.00"},
    ("PUT", "/maker-part-prices"): lambda w: {"brand_id": w.vehicle.brand_id, "part_id": _part(w), "price": "55.00"},
    ("POST", "/insurers"): lambda w: {"name": "太平洋财险"},
    ("POST", "/insurance-claims"): _new_insurance_body,
    ("POST", "/insurance-claims/{insurance_claim_id}/actions/{action}"): lambda w: {"reason": "客户撤销报案"},
    ("POST", "/insurance-claims/{insurance_claim_id}/documents"): lambda w: {
        "kind": "vehicle_licence", "files": [{"data_url": _data_url(), "caption": "行驶证"}]},
    ("POST", "/insurance-claims/{insurance_claim_id}/payments"): lambda w: {"amount": "100.00"},
}  # fmt: skip

# The walk's {action} by path prefix: a warranty claim's is "submit" (the world's claim is complete),
# an insurance claim's "cancel".
ACTIONS: dict = {"/warranty-claims": "submit", "/insurance-claims": "cancel"}
PATH_VALUES: dict = {}

ROUTE_PERMS: dict = {
    ("GET", "/warranty-claims"): WORK_OR_MANAGE,
    ("POST", "/warranty-claims"): Perm.CLAIM_WORK,
    ("GET", "/warranty-claims/claimable"): Perm.CLAIM_WORK,
    ("GET", "/warranty-claims/reconciliation"): Perm.CLAIM_MANAGE,
    ("GET", "/warranty-claims/{claim_id}"): WORK_OR_MANAGE,
    ("PATCH", "/warranty-claims/{claim_id}"): Perm.CLAIM_WORK,
    ("PATCH", "/warranty-claims/{claim_id}/lines/{claim_line_id}"): Perm.CLAIM_WORK,
    ("POST", "/warranty-claims/{claim_id}/actions/{action}"): Perm.CLAIM_WORK,  # the walk's action: submit
    ("GET", "/warranty-claims/{claim_id}/events"): WORK_OR_MANAGE,
    ("POST", "/warranty-claims/{claim_id}/photos"): Perm.CLAIM_WORK,
    ("GET", "/warranty-claims/{claim_id}/photos/{claim_photo_id}"): WORK_OR_MANAGE,
    ("DELETE", "/warranty-claims/{claim_id}/photos/{claim_photo_id}"): Perm.CLAIM_WORK,
    ("GET", "/warranty-claims/{claim_id}/export.xlsx"): WORK_OR_MANAGE,
    ("GET", "/maker-rates"): WORK_OR_MANAGE,
    ("PUT", "/maker-rates"): Perm.CLAIM_MANAGE,
    ("GET", "/maker-part-prices"): WORK_OR_MANAGE,
    ("PUT", "/maker-part-prices"): Perm.CLAIM_MANAGE,
    ("GET", "/insurers"): WORK_OR_MANAGE,
    ("POST", "/insurers"): Perm.CLAIM_MANAGE,
    ("PATCH", "/insurers/{insurer_id}"): Perm.CLAIM_MANAGE,
    ("GET", "/insurance-claims"): WORK_OR_MANAGE,
    ("POST", "/insurance-claims"): Perm.CLAIM_WORK,
    ("GET", "/insurance-claims/{insurance_claim_id}"): WORK_OR_MANAGE,
    ("PATCH", "/insurance-claims/{insurance_claim_id}"): Perm.CLAIM_WORK,
    (
        "POST",
        "/insurance-claims/{insurance_claim_id}/actions/{action}",
    ): Perm.CLAIM_WORK,  # the walk's: cancel
    ("POST", "/insurance-claims/{insurance_claim_id}/documents"): Perm.CLAIM_WORK,
    ("GET", "/insurance-claims/{insurance_claim_id}/documents/{document_id}"): WORK_OR_MANAGE,
    ("DELETE", "/insurance-claims/{insurance_claim_id}/documents/{document_id}"): Perm.CLAIM_WORK,
    ("POST", "/insurance-claims/{insurance_claim_id}/payments"): Perm.CLAIM_MANAGE,
    ("GET", "/insurance-claims/{insurance_claim_id}/events"): WORK_OR_MANAGE,
    ("GET", "/insurance-receivables"): Perm.CLAIM_MANAGE,
}


def page_ids(vehicle, manager) -> dict:
    """A warranty claim and an insurance claim of our store (a photo and a document row whose files
    are never read: the outsider is turned away before)."""
    from django.utils import timezone

    from dms.claims import insurance
    from dms.claims.models import ClaimPhoto, InsuranceDocument
    from dms.parts.services import part_create, stock_receive

    p = part_create(tenant=manager, number="CLAIM-PAGES-1", name="水泵总成", price="680.00")
    stock_receive(tenant=manager, part_id=p.pk, quantity="2")
    order = settled_order(manager, vehicle, payer="warranty", part_id=p.pk)
    claim = complete_claim(manager, order, photo=False)
    photo = ClaimPhoto.objects.create(claim=claim, image="claims/photos/walk/absent.jpg", caption="旧件",
                                      at=timezone.now(), by=manager.user)  # fmt: skip
    accident = settled_order(manager, vehicle, payer="insurer")
    who = insurance.insurer_create(tenant=manager, name="人保财险")
    ins = insurance.insurance_claim_create(tenant=manager, repair_order_id=accident, insurer_id=who.pk,
                                           policy_number="P1", claim_number="R1")  # fmt: skip
    doc = InsuranceDocument.objects.create(claim=ins, kind="assessment", file="claims/documents/walk/absent.jpg",
                                           content_type="image/jpeg", at=timezone.now(), by=manager.user)  # fmt: skip
    return {
        "claims": claim.pk, "claim_id": claim.pk, "claim_line_id": claim.lines.values_list("pk", flat=True)[0],
        "claim_photo_id": photo.pk, "insurance_claim_id": ins.pk, "document_id": doc.pk,
    }  # fmt: skip
