"""The demo dealership's claims (issue 15), in SZ01: the maker's labor rates and a price list, warranty
repairs settled and claimed in every state (a draft sa1 is completing, one with the maker, one
partly approved, one paid last month) and one order waiting to be claimed; two insurers, an accident
repair billed to one of them and partly paid, and another being documented."""

import io
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from dms.claims import insurance, warranty
from dms.claims.models import ClaimEvent, InsuranceClaim, WarrantyClaim
from dms.core.models import DealerGroup, Store, User
from dms.core.tenancy import resolve_tenant
from dms.customers.models import ValueTier
from dms.customers.segmentation import recompute_customer_tier
from dms.parts.services import part_create, stock_receive
from dms.scheduling.models import Technician
from dms.vehicles.models import MileageReading, ServiceRecord, Vehicle
from dms.workshop import services
from dms.workshop.models import LaborOperation, Payer, RepairOrder

from .service import as_recorded

MAKER_RATES = {"东风本田": "120.00", "广汽丰田": "128.00", "比亚迪": "110.00"}
REASON = "整车三年十万公里保修期内，非人为损坏"
# (complaint, labor operation code, name, standard hours, hours billed, part number, part name, price, maker's price)
REPAIRS = [
    (
        "冷却液渗漏，水泵处有水渍。",
        "LS05",
        "更换水泵",
        "1.80",
        "2.0",
        "19200-DEMO-01",
        "水泵总成",
        "680.00",
        "520.00",
    ),
    (
        "车窗升降器异响，玻璃升降缓慢。",
        "DQ21",
        "更换玻璃升降器",
        "1.20",
        "1.2",
        "72250-DEMO-02",
        "左前玻璃升降器",
        "420.00",
        "330.00",
    ),
    (
        "空调压缩机不工作，无冷风。",
        "KT09",
        "更换空调压缩机",
        "2.50",
        "3.0",
        "38810-DEMO-03",
        "空调压缩机",
        "2860.00",
        "2310.00",
    ),
    (
        "节气门故障灯亮，怠速忽高忽低。",
        "FD11",
        "更换节气门体",
        "1.00",
        "1.0",
        "16400-DEMO-04",
        "电子节气门体",
        "1150.00",
        "960.00",
    ),
    ("仪表台异响，过颠簸路面明显。", "DQ30", "紧固仪表台", "0.80", "1.0", "", "", "", ""),
]


def _png(text_colour=(40, 40, 40)) -> bytes:
    """A small photo stand-in (the demo's pictures of old parts and documents)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), (236, 240, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 300, 180], outline=text_colour, width=4)
    draw.line([(20, 180), (300, 20)], fill=text_colour, width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# How long ago each warranty repair was settled: the claim paid last month (the 4th) before it.
SETTLED_DAYS_AGO = (2, 9, 16, 45, 5, 12)


def _settled(manager, tech, vehicle, lines, complaint: str, days_ago: int) -> RepairOrder:
    """An order of `vehicle` taken through to settlement by the service manager (the customer pays
    what is not covered)."""
    km = Vehicle.objects.get(pk=vehicle.pk).mileage_km + 800
    order = services.repair_order_create(
        tenant=manager, vehicle_id=vehicle.pk, mileage_km=km, complaint=complaint
    )
    for line in lines:
        services.line_add(tenant=manager, order_id=order.pk, **line)
    services.order_sign(tenant=manager, order_id=order.pk)
    services.order_dispatch(tenant=manager, order_id=order.pk, technician_id=tech.pk)
    for step in (services.order_start, services.order_finish, services.order_qc_pass):
        step(tenant=manager, order_id=order.pk)
    due = RepairOrder.objects.get(pk=order.pk).customer_total
    services.order_settle(tenant=manager, order_id=order.pk,
                          payments=[{"method": "wechat", "amount": f"{due:.2f}"}] if due else [])  # fmt: skip
    # Dated `days_ago` days back (after the car's last reading before this visit): its history, texts,
    # reading and service record as the service loop's orders have them.
    since = (timezone.now() - vehicle.mileage_read_at).days - 1 if vehicle.mileage_read_at else days_ago
    as_recorded(order, max(1, min(days_ago, since)))
    return RepairOrder.objects.get(pk=order.pk)


def _ago(claim: WarrantyClaim, days: int, *, paid_days: int | None = None) -> None:
    """Move a claim's submission (and its decision and payment) into the past, for the reconciliation."""
    now = timezone.now()
    fields = {
        "submitted_at": now - timedelta(days=days),
        "decided_at": now - timedelta(days=max(days - 10, 1)),
    }
    if paid_days is not None:
        fields.update(
            paid_at=now - timedelta(days=paid_days), paid_on=timezone.localdate() - timedelta(days=paid_days)
        )
    WarrantyClaim.objects.filter(pk=claim.pk).update(**fields)
    for action, key in (("submit", "submitted_at"), ("approve", "decided_at"), ("partly-approve", "decided_at"),
                        ("pay", "paid_at")):  # fmt: skip
        if key in fields:
            ClaimEvent.objects.filter(claim=claim, action=action).update(at=fields[key])


def load_demo_claims() -> dict:
    group = DealerGroup.objects.get(code="DEMO")
    store = Store.objects.get(code="SZ01")
    users = {u.username: u for u in User.objects.filter(group=group)}
    sa, manager = resolve_tenant(users["sa1"], "SZ01"), resolve_tenant(users["manager1"], "SZ01")
    tech = Technician.objects.filter(store=store, active=True).order_by("user__username").first()
    brands = {b.name: b for b in store.brands.all()}
    for name, rate in MAKER_RATES.items():
        if name in brands:
            warranty.maker_rate_set(tenant=manager, brand_id=brands[name].pk, rate=rate)

    # Cars of the store's brands never in the workshop, of customers who still come (a lost
    # customer's repair would make them no longer lost): the warranty repairs happen to them. By
    # VIN, not pk: ids are random, the demo must not be.
    cars = list(
        Vehicle.objects.filter(owner__group=group, brand__in=brands.values(), repair_orders__isnull=True)
        .exclude(owner__value_tier=ValueTier.LOST)
        .select_related("brand")
        .order_by("vin")[: len(REPAIRS) + 1]
    )
    accident_car = cars.pop() if len(cars) > len(REPAIRS) else None
    orders = []
    for car, (complaint, code, name, std, billed, number, part_name, price, maker) in zip(
        cars, REPAIRS, strict=False
    ):
        op, _created = LaborOperation.objects.get_or_create(
            group=group, code=code, defaults={"name": name, "standard_hours": Decimal(std)}
        )
        lines = [{"kind": "labor", "labor_operation_id": op.pk, "quantity": billed, "payer": Payer.WARRANTY,
                  "warranty_reason": REASON}]  # fmt: skip
        if number:
            part = part_create(tenant=manager, number=number, name=part_name, price=price)
            stock_receive(tenant=manager, part_id=part.pk, quantity="2")
            warranty.maker_part_price_set(tenant=manager, brand_id=car.brand_id, part_id=part.pk, price=maker)
            lines.append({"kind": "part", "part_id": part.pk, "quantity": "1", "payer": Payer.WARRANTY,
                          "warranty_reason": REASON})  # fmt: skip
        orders.append(_settled(manager, tech, car, lines, complaint, SETTLED_DAYS_AGO[len(orders) % 6]))

    claims = []
    for i, order in enumerate(orders[:4]):
        claim = warranty.warranty_claim_create(tenant=sa, repair_order_ids=[order.pk], fault_code=f"P0{217 + i}",
                                               fault_description=order.complaint[:300])  # fmt: skip
        claims.append(claim)
        if i == 0:
            continue  # the draft sa1 is completing: the old part's tag and the photos are still missing
        for line in claim.lines.filter(kind="part"):
            warranty.claim_line_update(
                tenant=sa, claim_id=claim.pk, line_id=line.pk, old_part_tag=f"TAG-{claim.number[-4:]}"
            )
        warranty.claim_photos_add(
            tenant=sa,
            claim_id=claim.pk,
            photos=[(_png(), "旧件及索赔标签"), (_png((160, 40, 40)), "故障部位")],
        )
        warranty.warranty_claim_act(tenant=sa, claim_id=claim.pk, action="submit")
    if len(claims) > 2:
        labor = claims[2].lines.get(kind="labor")
        warranty.warranty_claim_act(
            tenant=manager, claim_id=claims[2].pk, action="partly-approve", reason="工时按厂家标准 2.0 小时核准",
            maker_reference="CLM-2026-0417", lines=[{"line_id": labor.pk, "approved_amount": f"{labor.unit_price * 2 - 20:.2f}"}],
        )  # fmt: skip
    if len(claims) > 3:
        warranty.warranty_claim_act(
            tenant=manager, claim_id=claims[3].pk, action="approve", maker_reference="CLM-2026-0388"
        )
        warranty.warranty_claim_act(
            tenant=manager, claim_id=claims[3].pk, action="pay", payment_reference="DF-PAY-1103"
        )
        _ago(claims[3], 38, paid_days=6)

    # Insurance: the store's two insurers; the body repairs of the demo are theirs.
    picc = insurance.insurer_create(
        tenant=manager, name="人保财险深圳分公司", contact="李定损员", phone="95518"
    )
    ping_an = insurance.insurer_create(tenant=manager, name="平安财险深圳分公司", contact="陈专员", phone="95511",
                                       required_documents=["assessment", "vehicle_licence", "driver_licence", "photos"])  # fmt: skip
    settled_body = RepairOrder.objects.filter(
        store=store, lines__payer=Payer.INSURER, state__in=("settled", "delivered")
    )
    if accident_car is not None and not settled_body.exists():
        # A rear-end collision repaired for the insurer (the demo's own body repairs may all be open).
        _settled(manager, tech, accident_car, [
            {"kind": "labor", "description": "后保险杠拆装、钣金整形", "quantity": "3.0", "unit_price": "300.00",
             "payer": Payer.INSURER},
            {"kind": "labor", "description": "后保险杠喷漆", "quantity": "4.0", "unit_price": "300.00", "payer": Payer.INSURER},
            {"kind": "material", "description": "油漆及辅料", "quantity": "1", "unit_price": "680.00", "payer": Payer.INSURER},
        ], "被追尾，后保险杠凹陷掉漆（人保报案）。", 3)  # fmt: skip
    body = list(
        RepairOrder.objects.filter(store=store, lines__payer=Payer.INSURER).distinct().order_by("-opened_at")
    )
    billed = None
    for i, order in enumerate(body[:2]):
        share = insurance.insurer_share(order.pk)
        settled = order.state in ("settled", "delivered")
        claim = insurance.insurance_claim_create(
            tenant=sa, repair_order_id=order.pk, insurer_id=(ping_an if settled else picc).pk,
            policy_number=f"PDAA20264403{order.pk % 10**7:07d}", claim_number=f"RDAA20264403{(order.pk // 7) % 10**7:07d}",
            accident_date=timezone.localdate() - timedelta(days=8 + i), assessed_amount=f"{share:.2f}" if settled else None,
            assessor="李定损员",
        )  # fmt: skip
        kinds = claim.insurer.required_documents if settled else ["vehicle_licence", "photos"]
        for kind in kinds:
            insurance.documents_add(tenant=sa, claim_id=claim.pk, kind=kind, files=[(_png(), "")])
        if settled:
            billed = insurance.insurance_claim_act(tenant=sa, claim_id=claim.pk, action="submit")
            if share >= 2:
                insurance.insurance_payment_record(tenant=manager, claim_id=claim.pk, amount=f"{share / 2:.2f}",
                                                   reference="PAB-20261201")  # fmt: skip
    watched = _sanbao_watch(store, exclude=[c.pk for c in cars] + ([accident_car.pk] if accident_car else []))
    return {
        "sanbao_watch": watched.plate if watched else None,
        "warranty_claims": WarrantyClaim.objects.filter(store=store).count(),
        "insurance_claims": InsuranceClaim.objects.filter(store=store).count(),
        "billed": billed.number if billed else None,
    }


# A young car whose gearbox judder came back three times after the first repair: the 4th repair of one
# fault inside the 三包 period, so the service manager's 三包 watch has a car to show (the advisor is
# warned before the 5th; more than 5 gives the customer the right to an exchange or a refund).
SANBAO_FAULT = "变速箱换挡顿挫"
SANBAO_REPAIR_DAYS = (2, 3, 5, 4)


def _sanbao_watch(store, *, exclude) -> Vehicle | None:
    today = timezone.localdate()
    car = (
        Vehicle.objects.filter(
            group_id=store.group_id, brand__in=store.brands.all(), usage="private",
            purchase_date__lte=today - timedelta(days=150), purchase_date__gte=today - timedelta(days=660),
            mileage_km__gte=5_000, mileage_km__lt=45_000,
        )
        .exclude(owner__value_tier=ValueTier.LOST)
        .exclude(pk__in=exclude)
        .order_by("vin")
        .first()
    )  # fmt: skip
    if car is None:
        return None
    # The four visits spread between a month after the purchase and three weeks ago, each at a mileage
    # between the car's readings around it (readings never go backwards), each with its own reading.
    first, last = car.purchase_date + timedelta(days=30), today - timedelta(days=21)
    known = sorted(
        (r.read_at.astimezone(timezone.get_current_timezone()).date(), r.km)
        for r in car.mileage_readings.all()
    )
    sa = User.objects.get(username="sa1")
    for i, repair_days in enumerate(SANBAO_REPAIR_DAYS):
        day = first + (last - first) * (i / (len(SANBAO_REPAIR_DAYS) - 1))
        below = max((km for d, km in known if d <= day), default=0)
        above = min((km for d, km in known if d > day), default=car.mileage_km)
        km, number = (below + above) // 2, f"RO-{store.code}-{day.year}-{900_001 + i}"
        ServiceRecord.objects.create(
            vehicle=car, customer_id=car.owner_id, store=store, date=day, date_in=day - timedelta(days=repair_days - 1),
            mileage_km=km, kind=ServiceRecord.Kind.WARRANTY, repair_days=repair_days, reference=number,
            summary=f"{SANBAO_FAULT}：检查变速箱控制单元并更新程序" if i < 2 else f"{SANBAO_FAULT}：更换阀体总成",
            faults=[SANBAO_FAULT], amount_covered=Decimal("860.00") if i < 2 else Decimal("4280.00"),
        )  # fmt: skip
        read_at = timezone.make_aware(datetime.combine(day, time(16)))
        MileageReading.objects.create(vehicle=car, km=km, read_at=read_at, source=MileageReading.Source.SERVICE,
                                      note=number, by=sa)  # fmt: skip
        known = sorted([*known, (day, km)])
    recompute_customer_tier(car.owner)
    return car
