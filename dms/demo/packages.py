"""Demo maintenance packages and canned jobs, by brand, for a demo dealer group.

Labor operations and parts are looked up by code / part number (then by name) in the group's
catalogue, and created when missing, so that this runs before or after the loader of the demo
catalogue, and twice without harm.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from dms.core.models import Brand, DealerGroup
from dms.packages.models import CannedJob, CannedJobItem, MaintenancePackage, PackageItem, Powertrain
from dms.parts.models import Part
from dms.parts.services import number_key
from dms.workshop.models import LaborOperation

D = Decimal

# code, name, standard hours, skill
LABOR = {
    "BY01": ("更换机油机滤", "0.50", "maintenance"),
    "BY02": ("常规保养检查（多项目检查）", "0.30", "maintenance"),
    "BY03": ("更换空气滤清器", "0.20", "maintenance"),
    "BY04": ("更换空调滤清器", "0.30", "maintenance"),
    "BY05": ("更换火花塞（四缸）", "0.80", "engine"),
    "BY06": ("更换制动液", "0.80", "maintenance"),
    "BY07": ("更换发动机冷却液", "0.80", "maintenance"),
    "BY08": ("更换无级变速箱油（CVT）", "1.00", "maintenance"),
    "EV01": ("电动车高压系统安全检查", "0.50", "ev"),
    "EV02": ("更换动力电池冷却液", "1.20", "ev"),
    "EV03": ("更换减速器齿轮油", "0.60", "ev"),
    "BR01": ("更换前刹车片", "1.00", "general"),
    "BR02": ("更换后刹车片", "1.00", "general"),
    "WH01": ("四轮定位", "1.00", "alignment"),
    "WH02": ("轮胎换位及动平衡", "0.80", "general"),
    "AC01": ("空调系统清洗消毒", "0.50", "ac"),
    "EN01": ("发动机积碳清洗（免拆）", "1.00", "engine"),
    "EL01": ("更换12V蓄电池", "0.50", "electrical"),
    "BD01": ("更换雨刮片", "0.20", "general"),
}


@dataclass(frozen=True)
class BrandParts:
    """A brand's part numbers for the maintenance items: number, name, unit, price."""

    oil: tuple
    oil_litres: str
    oil_filter: tuple
    air_filter: tuple
    cabin_filter: tuple
    spark_plug: tuple
    brake_fluid: tuple
    coolant: tuple
    front_pads: tuple | None = None
    rear_pads: tuple | None = None
    cvt_fluid: tuple | None = None


HONDA = BrandParts(
    oil=("08232-P99-K1LH2", "本田原厂机油 0W-20（1L）", "l", "78.00"), oil_litres="3.60",
    oil_filter=("15400-RTA-003", "机油滤清器", "piece", "68.00"),
    air_filter=("17220-5BA-A00", "空气滤清器滤芯", "piece", "128.00"),
    cabin_filter=("80292-TBA-A11", "空调滤清器滤芯", "piece", "158.00"),
    spark_plug=("12290-5BA-A01", "火花塞（铱金）", "piece", "115.00"),
    brake_fluid=("08203-99938", "本田原厂制动液 DOT3（1L）", "bottle", "96.00"),
    coolant=("08CLA-G01-6S0", "本田原厂冷却液（蓝色，4L）", "bottle", "168.00"),
    front_pads=("45022-TBA-A01", "前刹车片（套）", "set", "560.00"),
    rear_pads=("43022-TBA-A01", "后刹车片（套）", "set", "460.00"),
    cvt_fluid=("08260-P99-Z3BH1", "本田原厂 CVT 油 HCF-2（1L）", "l", "110.00"),
)  # fmt: skip
TOYOTA = BrandParts(
    oil=("08880-13205", "丰田原厂机油 0W-20 SP（1L）", "l", "82.00"), oil_litres="4.20",
    oil_filter=("90915-YZZN1", "机油滤清器", "piece", "62.00"),
    air_filter=("17801-0V020", "空气滤清器滤芯", "piece", "138.00"),
    cabin_filter=("87139-0E040", "空调滤清器滤芯", "piece", "168.00"),
    spark_plug=("90919-01253", "火花塞（铱金）", "piece", "125.00"),
    brake_fluid=("08823-80011", "丰田原厂制动液 DOT3（1L）", "bottle", "98.00"),
    coolant=("08889-80140", "丰田原厂超长效冷却液（4L）", "bottle", "188.00"),
    front_pads=("04465-33471", "前刹车片（套）", "set", "620.00"),
    rear_pads=("04466-33200", "后刹车片（套）", "set", "480.00"),
)  # fmt: skip
BYD = BrandParts(
    oil=("BYD-10W30-1L", "比亚迪原厂机油 0W-30（1L）", "l", "68.00"), oil_litres="4.00",
    oil_filter=("1012100-DM", "机油滤清器（DM-i）", "piece", "55.00"),
    air_filter=("1109100-DM", "空气滤清器滤芯（DM-i）", "piece", "98.00"),
    cabin_filter=("8101300-BYD", "空调滤清器滤芯（PM2.5）", "piece", "138.00"),
    spark_plug=("3707100-DM", "火花塞（DM-i）", "piece", "78.00"),
    brake_fluid=("BYD-DOT4-1L", "比亚迪原厂制动液 DOT4（1L）", "bottle", "88.00"),
    coolant=("BYD-COOL-4L", "比亚迪原厂冷却液（4L）", "bottle", "158.00"),
    front_pads=("3501200-BYD", "前刹车片（套）", "set", "520.00"),
)  # fmt: skip
TRUMPCHI = BrandParts(
    oil=("GAC-0W20-1L", "传祺原厂机油 0W-20（1L）", "l", "72.00"), oil_litres="4.50",
    oil_filter=("1012000AAB01", "机油滤清器", "piece", "58.00"),
    air_filter=("1109100AAB01", "空气滤清器滤芯", "piece", "108.00"),
    cabin_filter=("8107500AAB01", "空调滤清器滤芯", "piece", "128.00"),
    spark_plug=("3707100AAB01", "火花塞", "piece", "88.00"),
    brake_fluid=("GAC-DOT4-1L", "传祺原厂制动液 DOT4（1L）", "bottle", "86.00"),
    coolant=("GAC-COOL-4L", "传祺原厂冷却液（4L）", "bottle", "148.00"),
    front_pads=("3501140AAB01", "前刹车片（套）", "set", "540.00"),
)  # fmt: skip
BRAND_PARTS = {"东风本田": HONDA, "广汽丰田": TOYOTA, "比亚迪": BYD, "广汽传祺": TRUMPCHI}
EV_PARTS = {
    "cabin": ("8101300-BYD", "空调滤清器滤芯（PM2.5）", "piece", "138.00"),
    "brake_fluid": ("BYD-DOT4-1L", "比亚迪原厂制动液 DOT4（1L）", "bottle", "88.00"),
    "battery_coolant": ("BYD-EVCOOL-4L", "动力电池冷却液（4L）", "bottle", "198.00"),
    "gear_oil": ("BYD-GEAR-1L", "减速器齿轮油（1L）", "l", "95.00"),
}
# Brand-neutral consumables for the canned jobs
COMMON_PARTS = {
    "ac_cleaner": ("CN-AC-CLEAN", "空调系统清洗消毒剂", "bottle", "98.00"),
    "fuel_cleaner": ("CN-FUEL-CLEAN", "燃油系统清洗剂", "bottle", "88.00"),
    "carbon_cleaner": ("CN-CARBON-KIT", "免拆积碳清洗剂（套）", "set", "168.00"),
    "wiper": ("CN-WIPER-PAIR", "无骨雨刮片（对）", "pair", "128.00"),
    "battery": ("CN-BAT-60AH", "免维护蓄电池 12V 60Ah", "piece", "580.00"),
    "weights": ("CN-WHEEL-WT", "轮胎动平衡块（套）", "set", "30.00"),
}


class Catalogue:
    """The group's labor operations and parts, found or created once each."""

    def __init__(self, group: DealerGroup):
        self.group = group
        self.ops = {o.code: o for o in LaborOperation.objects.filter(group=group)}
        self.ops_by_name = {o.name: o for o in self.ops.values()}
        self.parts = {p.number: p for p in Part.objects.filter(group=group)}

    def op(self, code: str) -> LaborOperation:
        name, hours, skill = LABOR[code]
        found = self.ops.get(code) or self.ops_by_name.get(name)
        if found is None:
            found = LaborOperation.objects.create(
                group=self.group, code=code, name=name, standard_hours=D(hours), skill=skill
            )
            self.ops[code] = self.ops_by_name[name] = found
        return found

    def part(self, spec: tuple) -> Part:
        number, name, unit, price = spec
        found = self.parts.get(number)
        if found is None:
            found = Part.objects.create(
                group=self.group,
                number=number,
                name=name,
                unit=unit,
                price=D(price),
                number_key=number_key(number),
            )
            self.parts[number] = found
        return found


def _package(
    cat: Catalogue, brand, name, km, months, items, *, first=False, powertrain=Powertrain.ANY, model=""
):
    package, created = MaintenancePackage.objects.get_or_create(
        group=cat.group, brand=brand, model=model, name=name,
        defaults={"interval_km": km, "interval_months": months, "first_only": first, "powertrain": powertrain},
    )  # fmt: skip
    if created:
        _fill(PackageItem, {"package": package}, cat, items)
    return package


def _fill(model, owner: dict, cat: Catalogue, items) -> None:
    rows = []
    for position, (what, quantity) in enumerate(items):
        target = {"labor_operation": cat.op(what)} if isinstance(what, str) else {"part": cat.part(what)}
        rows.append(model(**owner, **target, quantity=D(quantity), position=position))
    model.objects.bulk_create(rows)


def _engine_packages(cat: Catalogue, brand: Brand, p: BrandParts) -> int:
    oil = [("BY01", "1"), (p.oil, p.oil_litres), (p.oil_filter, "1")]
    check = [("BY02", "1")]
    filters = [("BY03", "1"), (p.air_filter, "1"), ("BY04", "1"), (p.cabin_filter, "1")]
    big = [("BY05", "1"), (p.spark_plug, "4"), ("BY06", "1"), (p.brake_fluid, "1")]
    powertrain = Powertrain.ENGINE if brand.name == "比亚迪" else Powertrain.ANY
    made = [
        _package(cat, brand, "首次保养 5,000 km", 5_000, 6, oil + check, first=True, powertrain=powertrain),
        _package(cat, brand, "10,000 km 保养（常规保养）", 10_000, 6, oil + check, powertrain=powertrain),
        _package(cat, brand, "20,000 km 保养", 20_000, 12, oil + check + filters, powertrain=powertrain),
        _package(
            cat,
            brand,
            "40,000 km 保养（大保养）",
            40_000,
            24,
            oil + check + filters + big,
            powertrain=powertrain,
        ),
    ]
    if p.cvt_fluid:  # the CR-V's CVT fluid at 40,000 km: a model's own package replaces the brand's
        made.append(
            _package(
                cat,
                brand,
                "CR-V 40,000 km 保养（大保养，含 CVT 油）",
                40_000,
                24,
                oil + check + filters + big + [("BY08", "1"), (p.cvt_fluid, "3.50")],
                model="CR-V",
            )  # fmt: skip
        )
    return len(made)


def _electric_packages(cat: Catalogue, brand: Brand) -> int:
    check = [("EV01", "1"), ("BY02", "1")]
    cabin = [("BY04", "1"), (EV_PARTS["cabin"], "1")]
    big = [("BY06", "1"), (EV_PARTS["brake_fluid"], "1"), ("EV03", "1"), (EV_PARTS["gear_oil"], "1.50")]
    ev = Powertrain.ELECTRIC
    _package(cat, brand, "纯电首次保养 5,000 km", 5_000, 6, check, first=True, powertrain=ev)
    _package(cat, brand, "纯电 20,000 km 保养", 20_000, 12, check + cabin, powertrain=ev)
    _package(cat, brand, "纯电 40,000 km 保养", 40_000, 24, check + cabin + big, powertrain=ev)
    _package(cat, brand, "纯电 80,000 km 保养（含电池冷却液）", 80_000, 48,
             check + cabin + big + [("EV02", "1"), (EV_PARTS["battery_coolant"], "2")], powertrain=ev)  # fmt: skip
    return 4


def _canned_jobs(cat: Catalogue, brands: dict[str, Brand]) -> int:
    C = COMMON_PARTS
    jobs = [
        ("CJ01", "四轮定位", None, "检测并调整前后轮定位参数，打印调整前后数据", [("WH01", "1")]),
        ("CJ02", "轮胎换位及动平衡", None, "四轮换位，逐个做动平衡", [("WH02", "1"), (C["weights"], "1")]),
        ("CJ03", "空调系统清洗消毒套餐", None, "清洗蒸发箱，杀菌除味", [("AC01", "1"), (C["ac_cleaner"], "1")]),
        ("CJ04", "发动机积碳清洗套餐", None, "免拆清洗进气道和燃烧室积碳，加一瓶燃油系统清洗剂",
         [("EN01", "1"), (C["carbon_cleaner"], "1"), (C["fuel_cleaner"], "1")]),
        ("CJ05", "更换雨刮片套餐", None, "更换前挡雨刮片一对", [("BD01", "1"), (C["wiper"], "1")]),
        ("CJ06", "更换12V蓄电池套餐", None, "检测充电系统，更换免维护蓄电池", [("EL01", "1"), (C["battery"], "1")]),
    ]  # fmt: skip
    for brand_name, p in BRAND_PARTS.items():
        brand = brands.get(brand_name)
        if brand is None:
            continue
        short = {"东风本田": "HD", "广汽丰田": "TY", "比亚迪": "BYD", "广汽传祺": "GAC"}[brand_name]
        if p.front_pads:
            jobs.append((f"BR-F-{short}", f"前刹车片更换套餐（{brand_name}）", brand,
                         "更换原厂前刹车片，检查刹车盘磨损", [("BR01", "1"), (p.front_pads, "1")]))  # fmt: skip
        if p.rear_pads:
            jobs.append((f"BR-R-{short}", f"后刹车片更换套餐（{brand_name}）", brand,
                         "更换原厂后刹车片，检查刹车盘磨损", [("BR02", "1"), (p.rear_pads, "1")]))  # fmt: skip
    for code, name, brand, description, items in jobs:
        job, created = CannedJob.objects.get_or_create(
            group=cat.group, code=code, defaults={"name": name, "brand": brand, "description": description}
        )
        if created:
            _fill(CannedJobItem, {"job": job}, cat, items)
    return len(jobs)


def load_demo_packages(*, group: DealerGroup) -> dict:
    """Create the group's demo packages and canned jobs (idempotent); return counts."""
    with transaction.atomic():
        cat = Catalogue(group)
        brands = {b.name: b for b in Brand.objects.filter(group=group)}
        packages = 0
        for name, brand in brands.items():
            if name in BRAND_PARTS:
                packages += _engine_packages(cat, brand, BRAND_PARTS[name])
            if name == "比亚迪":
                packages += _electric_packages(cat, brand)
        jobs = _canned_jobs(cat, brands)
    return {"maintenance_packages": packages, "canned_jobs": jobs}
