"""The demo dealership's service loop: capacity, technicians, labor operations, parts and stock,
appointments, repair orders in every state, delivered history and the follow-up calls it leaves.

`load_demo_service()` runs at the end of `load_demo()` (same transaction). Everything that has a
service goes through it, acting as the demo user whose role does that step in real life (the
advisor opens and signs, the foreman dispatches, the technician starts and finishes, the parts
clerk issues, QC passes, the cashier settles, customer care calls back), so that numbers, events,
stock moves, service history and follow-ups are what real use leaves behind. Master data without
a service (workshop hours, bays, teams, technicians, labor operations) is created directly.
Afterwards the time stamps are moved back (QuerySet.update) so that the history spreads over the
past three weeks and some open orders run late against their promised time.

"Today" is the working day: loaded outside opening hours (at night in China, a European
afternoon), the open orders and the day's appointments belong to the last working day, as a
dealership would find them the next morning (see `workday_now`), never to the night.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from auditlog.context import set_actor
from django.utils import timezone

from dms.core.events import subject_name
from dms.core.models import DealerGroup, Event, Store, StoreMembership, User
from dms.core.roles import Role
from dms.core.tenancy import Tenant, resolve_tenant
from dms.customers.models import CustomerContact, ValueTier
from dms.customers.segmentation import recompute_group_tiers
from dms.followups.models import FollowUp
from dms.followups.services import followup_record
from dms.messaging.channels.recording import recorded_note
from dms.messaging.models import Message, Provider
from dms.messaging.models import State as MessageState
from dms.messaging.outbox import PENDING_STATES
from dms.parts.models import Part, Reservation, StockMove
from dms.parts.services import (
    part_create,
    part_issue,
    reservation_create,
    stock_receive,
    stock_set_minimum,
)
from dms.scheduling.models import (
    STANDARD_HOURS,
    Appointment,
    AppointmentEvent,
    Bay,
    Job,
    OpeningHours,
    Team,
    Technician,
    WorkshopHours,
)
from dms.scheduling.services import appointment_create
from dms.scheduling.workflow import appointment_transition
from dms.vehicles.models import Energy, MileageReading, ServiceRecord, Vehicle, VehicleOwnership
from dms.workshop import services as ro
from dms.workshop.models import (
    ClockEnd,
    JobClock,
    LaborOperation,
    PauseReason,
    Payment,
    RepairOrder,
    RepairOrderEvent,
    State,
)
from dms.workshop.rules import certificate_required
from dms.workshop.workflow import ORDER

SEED = 440301
TZ = ZoneInfo("Asia/Shanghai")
OPENS, CLOSES = time(8, 30), time(18, 0)
BUSY_HOURS = 5.2  # the open orders' history reaches this far back (the oldest opened 5 h ago)


def workday_now(now: datetime) -> datetime:
    """The moment of the working day that the demo's open orders and "today's" appointments are set
    against: `now` while the workshop is open (from an hour after opening to half an hour before
    closing), else that last half hour of the working day before `now`."""
    local = now.astimezone(TZ)
    opens = datetime.combine(local.date(), OPENS, tzinfo=TZ)
    last = datetime.combine(local.date(), CLOSES, tzinfo=TZ) - timedelta(minutes=30)
    if local < opens + timedelta(hours=1):
        return last - timedelta(days=1)
    return min(local, last)


def _day_scale(shop_now: datetime) -> float:
    """How much of the open orders' few hours of history fits since this morning's opening (1: all)."""
    local = shop_now.astimezone(TZ)
    opened = datetime.combine(local.date(), OPENS, tzinfo=TZ) + timedelta(minutes=10)
    return min(1.0, (local - opened) / timedelta(hours=BUSY_HOURS))


# --- Master data ---------------------------------------------------------------------------------

# code, name, standard hours, skill
LABOR = (
    ("BY01", "更换机油机滤", "0.5", "maintenance"),
    ("BY02", "更换空气滤芯", "0.3", "maintenance"),
    ("BY03", "更换空调滤芯", "0.3", "maintenance"),
    ("BY04", "更换火花塞（4缸）", "0.8", "maintenance"),
    ("BY05", "更换制动液", "0.8", "maintenance"),
    ("BY06", "更换变速箱油", "1.0", "maintenance"),
    ("BY07", "更换冷却液", "0.8", "maintenance"),
    ("BY08", "常规保养检查（30项）", "0.5", "maintenance"),
    ("DP01", "更换前刹车片", "1.2", "general"),
    ("DP02", "更换后刹车片", "1.2", "general"),
    ("DP03", "更换前刹车盘（两侧）", "1.5", "general"),
    ("DP04", "四轮定位", "1.0", "alignment"),
    ("DP05", "轮胎动平衡（4条）", "0.6", "general"),
    ("DP06", "拆装轮胎（每条）", "0.3", "general"),
    ("DP07", "更换前减震器（单侧）", "1.5", "general"),
    ("DP08", "更换前稳定杆连杆", "0.8", "general"),
    ("FD01", "发动机故障诊断", "1.0", "diagnosis"),
    ("FD02", "清洗节气门", "0.6", "engine"),
    ("FD03", "发动机积碳清洗", "1.5", "engine"),
    ("FD04", "更换水泵", "2.5", "engine"),
    ("FD05", "更换氧传感器", "0.6", "engine"),
    ("DQ01", "更换12V蓄电池", "0.3", "electrical"),
    ("DQ02", "更换发电机", "1.8", "electrical"),
    ("DQ03", "电器故障检测", "1.0", "electrical"),
    ("DQ04", "更换雨刮片", "0.2", "general"),
    ("KT01", "空调系统检测及加注冷媒", "0.8", "ac"),
    ("KT02", "空调系统清洗消毒", "0.5", "ac"),
    ("XD01", "动力电池及高压系统检测", "1.0", "ev"),
    ("BJ01", "前保险杠拆装", "1.0", "body"),
    ("BJ02", "翼子板钣金修复", "3.0", "body"),
    ("PQ01", "单面喷漆（每幅）", "2.5", "paint"),
)


@dataclass(frozen=True)
class PartSpec:
    role: str  # what a job asks for: "oil_filter", "brake_front", ...
    brand: str  # "" for any brand
    number: str
    name: str
    unit: str
    price: str
    quality: str
    min_stock: int
    left: int  # what remains on hand in the store after the demo's jobs (below min: to order)


_O, _M = "original", "oem"
HONDA, TOYOTA, BYD, GAC = "东风本田", "广汽丰田", "比亚迪", "广汽传祺"
PARTS = (
    PartSpec("oil", HONDA, "08232-P99-1LHE2", "本田原厂全合成机油 0W-20", "l", "85.00", _O, 40, 96),
    PartSpec("oil_filter", HONDA, "15400-RTA-003", "机油滤清器", "piece", "68.00", _O, 20, 34),
    PartSpec("air_filter", HONDA, "17220-5AA-A00", "空气滤清器（1.5T）", "piece", "128.00", _O, 8, 12),
    PartSpec("cabin_filter", HONDA, "80292-TBA-A11", "空调滤清器", "piece", "158.00", _O, 8, 14),
    PartSpec("brake_front", HONDA, "45022-TGG-A01", "前刹车片（套）", "set", "680.00", _O, 4, 1),
    PartSpec("brake_rear", HONDA, "43022-TGG-A01", "后刹车片（套）", "set", "520.00", _O, 3, 4),
    PartSpec("spark_plug", HONDA, "12290-59B-003", "铱金火花塞", "piece", "118.00", _O, 8, 16),
    PartSpec("o2_sensor", HONDA, "36532-5AA-A01", "后氧传感器", "piece", "860.00", _O, 1, 2),
    PartSpec("water_pump", HONDA, "19200-5AA-A01", "水泵总成", "piece", "1280.00", _O, 1, 2),
    PartSpec("alternator", HONDA, "31100-5PA-A01", "发电机总成", "piece", "2680.00", _O, 0, 1),
    PartSpec("stabiliser_link", HONDA, "51320-TBA-A01", "前稳定杆连杆", "piece", "285.00", _O, 2, 4),
    PartSpec("wiper", HONDA, "76622-TBA-A01", "雨刮片（驾驶侧）", "piece", "168.00", _O, 4, 6),
    PartSpec("oil", BYD, "BYD-10W30-DMI", "比亚迪DM-i专用机油 0W-20", "l", "68.00", _O, 30, 62),
    PartSpec("oil_filter", BYD, "10255473-00", "机油滤清器（DM-i）", "piece", "55.00", _O, 15, 3),
    PartSpec("air_filter", BYD, "10304542-00", "空气滤清器", "piece", "95.00", _O, 6, 10),
    PartSpec("cabin_filter", BYD, "10271458-00", "空调滤芯（带活性炭）", "piece", "135.00", _O, 8, 11),
    PartSpec("brake_front", BYD, "10292215-00", "前刹车片（套）", "set", "560.00", _O, 4, 2),
    PartSpec("brake_rear", BYD, "10292216-00", "后刹车片（套）", "set", "420.00", _O, 3, 5),
    PartSpec("spark_plug", BYD, "10350612-00", "火花塞", "piece", "78.00", _O, 8, 20),
    PartSpec("oil", TOYOTA, "08880-13605", "丰田原厂全合成机油 0W-20", "l", "78.00", _O, 30, 80),
    PartSpec("oil_filter", TOYOTA, "90915-YZZN1", "机油滤清器", "piece", "58.00", _O, 15, 28),
    PartSpec("air_filter", TOYOTA, "17801-0Y040", "空气滤清器", "piece", "118.00", _O, 6, 9),
    PartSpec("cabin_filter", TOYOTA, "87139-0D070", "空调滤芯", "piece", "138.00", _O, 6, 10),
    PartSpec("brake_front", TOYOTA, "04465-33480", "前刹车片（套）", "set", "620.00", _O, 3, 5),
    PartSpec("brake_fluid", "", "BOSCH-DOT4-1L", "博世 DOT4 制动液（1L）", "bottle", "88.00", _M, 10, 18),
    PartSpec("coolant", "", "SHELL-LLC-4L", "壳牌长效冷却液 -40℃（4L）", "bottle", "168.00", _M, 6, 9),
    PartSpec("battery", "", "VARTA-H5-60AH", "瓦尔塔 12V 蓄电池 60Ah", "piece", "780.00", _M, 3, 1),
    PartSpec("tyre", "", "MICH-P4-215/55R17", "米其林 PRIMACY 4 215/55R17", "piece", "960.00", _M, 4, 2),
    PartSpec("tyre_big", "", "MICH-P4-235/45R18", "米其林 PRIMACY 4 235/45R18", "piece", "1180.00", _M, 4, 6),
    PartSpec("wiper_oem", "", "BOSCH-AERO-26", "博世风翼雨刮片 26寸", "piece", "128.00", _M, 6, 12),
    PartSpec("ac_cleaner", "", "3M-PN38000", "3M 空调系统清洗剂", "bottle", "98.00", _M, 6, 15),
    PartSpec("refrigerant", "", "R134A-500G", "R134a 冷媒（500g）", "bottle", "120.00", _M, 4, 8),
    PartSpec("throttle_cleaner", "", "WURTH-0893-10", "伍尔特节气门清洗剂", "bottle", "65.00", _M, 6, 11),
    PartSpec("carbon_cleaner", "", "BG-211-PRO", "BG 发动机燃油系统清洗剂", "bottle", "198.00", _M, 4, 7),
    PartSpec(
        "cabin_filter_oem", "", "BOSCH-0986AF6096", "空调滤芯（博世，活性炭）", "piece", "98.00", _M, 6, 10
    ),
    PartSpec("paint", "", "PPG-NH883P", "PPG 珍珠白面漆", "kg", "680.00", _M, 2, 3),
    PartSpec("clear_coat", "", "PPG-D8135", "PPG 清漆", "l", "320.00", _M, 2, 4),
    PartSpec("sandpaper", "", "3M-PN06396", "3M 水磨砂纸（盒）", "box", "75.00", _M, 2, 5),
    PartSpec("oil", GAC, "GAC-0W20-4L", "传祺原厂全合成机油 0W-20", "l", "72.00", _O, 20, 40),
    PartSpec("oil_filter", GAC, "3700019ABM0000", "机油滤清器", "piece", "52.00", _O, 10, 18),
    PartSpec("cabin_filter", GAC, "8113021AKV0000", "空调滤芯", "piece", "110.00", _O, 5, 2),
    PartSpec("brake_front", GAC, "3501012AKV0000", "前刹车片（套）", "set", "540.00", _O, 3, 4),
)


@dataclass(frozen=True)
class Line:
    op: str = ""  # labor operation code
    part: str = ""  # part role
    qty: str = ""  # default: the operation's standard hours, or 1 part
    payer: str = "customer"


def L(op: str, qty: str = "", payer: str = "customer") -> Line:  # noqa: N802
    return Line(op=op, qty=qty, payer=payer)


def P(part: str, qty: str = "1", payer: str = "customer") -> Line:  # noqa: N802
    return Line(part=part, qty=qty, payer=payer)


@dataclass(frozen=True)
class Job_:
    complaint: str
    lines: tuple[Line, ...]
    kind: str = "any"  # "ice": not for battery-electric cars; "bev": only for them
    job: str = Job.MAINTENANCE  # the appointment's kind of work
    work_class: str = "minor"
    found: tuple[Line, ...] = ()  # extra work the technician finds
    body: bool = False


OIL = (L("BY01"), L("BY08"), P("oil", "4.2"), P("oil_filter"))
JOBS = {
    "oil": Job_("常规保养，更换机油机滤。", OIL, "ice"),
    "40k": Job_(
        "4万公里保养：机油机滤、空气滤芯、空调滤芯，顺便检查刹车。",
        (*OIL, L("BY02"), L("BY03"), P("air_filter"), P("cabin_filter")),
        "ice",
        work_class="level2",
    ),  # fmt: skip
    "plugs": Job_("保养，按手册更换火花塞；最近油耗有点高。", (*OIL, L("BY04"), P("spark_plug", "4")), "ice"),
    "brake": Job_(
        "刹车时前轮有尖锐异响，仪表提示刹车片磨损。", (L("DP01"), P("brake_front")), job=Job.REPAIR
    ),
    "align": Job_("方向盘跑偏，高速 100 km/h 以上方向盘抖动。", (L("DP04"), L("DP05")), job=Job.TYRES),
    "ac": Job_(
        "空调出风有异味，制冷效果差。",
        (L("KT01"), L("KT02"), L("BY03"), P("cabin_filter"), P("refrigerant"), P("ac_cleaner")),
        job=Job.AC,
    ),
    "mil": Job_("发动机故障灯亮，加速无力。", (L("FD01"), L("FD05"), P("o2_sensor")), "ice", Job.DIAGNOSIS),
    "idle": Job_(
        "冷车启动怠速不稳，偶尔抖动。", (L("FD01"), L("FD02"), P("throttle_cleaner")), "ice", Job.DIAGNOSIS
    ),
    "battery": Job_("早上打不着车，蓄电池亏电。", (L("DQ01"), P("battery")), job=Job.REPAIR),
    "tyres": Job_(
        "左前轮胎鼓包，更换两条前轮胎并做四轮定位。",
        (L("DP06", "0.6"), L("DP04"), L("DP05"), P("tyre", "2")),
        job=Job.TYRES,
    ),
    "wipers": Job_("雨刮片刮不干净，前挡有水痕。", (L("DQ04"), P("wiper_oem", "2")), job=Job.OTHER),
    "carbon": Job_(
        "保养，并做发动机积碳清洗。", (*OIL, L("FD03"), P("carbon_cleaner")), "ice", work_class="level2"
    ),
    "ev": Job_(
        "纯电车常规保养：高压系统检测，更换空调滤芯。", (L("XD01"), L("BY03"), P("cabin_filter")), "bev"
    ),
    "body": Job_(
        "右前翼子板与前保险杠刮擦，钣金喷漆（平安保险理赔）。",
        (
            L("BJ01", payer="insurer"),
            L("BJ02", payer="insurer"),
            L("PQ01", "5.0", payer="insurer"),
            P("paint", "0.4", payer="insurer"),
            P("clear_coat", "0.5", payer="insurer"),
            P("sandpaper", payer="insurer"),
        ),
        job=Job.BODY_PAINT,
        body=True,
    ),  # fmt: skip
}
BRAKE_FOUND = (L("DP01"), P("brake_front"))

# Technicians: user (existing demo user, or a new one without a login), name, team, level, skills.
_ALL_ROUND = ["maintenance", "engine", "electrical", "general", "diagnosis", "alignment", "ac", "ev"]
TECHNICIANS = {
    "SZ01": (
        ("tech1", "陈伟", "机电组", "senior", _ALL_ROUND),
        ("tech2", "黄俊杰", "钣喷组", "intermediate", ["body", "paint", "general"]),
        ("sz01-t3", "赵磊", "机电组", "intermediate", ["maintenance", "general", "alignment", "ac"]),
        ("sz01-t4", "梁志明", "机电组", "master", ["engine", "electrical", "diagnosis", "ev", "maintenance", "general"]),
        ("sz01-t5", "邓俊熙", "机电组", "apprentice", ["maintenance", "general"]),
        ("sz01-t6", "罗海涛", "钣喷组", "senior", ["body", "paint"]),
    ),
    "SZ02": (
        ("sz02-t1", "谢文杰", "机电组", "senior", _ALL_ROUND),
        ("sz02-t2", "曾浩宇", "机电组", "junior", ["maintenance", "general", "alignment"]),
    ),
    "GZ01": (
        ("gz01-t1", "冯志刚", "机电组", "senior", _ALL_ROUND),
        ("gz01-t2", "邱嘉诚", "机电组", "junior", ["maintenance", "general"]),
    ),
}  # fmt: skip
BAYS = {
    "SZ01": (6, True, True),  # lifts, alignment bay, wash bay
    "SZ02": (4, True, True),
    "GZ01": (3, False, True),
}
PARTS_CLERK = {"SZ01": "parts1", "SZ02": "manager1", "GZ01": "gz01-p1"}

# --- The orders ----------------------------------------------------------------------------------


@dataclass
class OrderPlan:
    job: str
    target: str  # the state it ends in
    tech: str = ""  # username of the technician; "" picks one with the skills
    days_ago: int = 0  # delivered history: the day it was done; open orders: 0 (today)
    hours_ago: float = 3.0  # open orders: when it was opened
    late: bool = False  # promised time already passed
    appointment: int | None = None  # index of today's appointment it arrived for
    found: bool = False  # the technician finds worn front brake pads
    followup: str = ""  # "done", "complaint", "unreachable", "retry", "no_consent", "" (open)
    satisfaction: int = 5


SZ01_OPEN = (
    OrderPlan("oil", State.DRAFT, hours_ago=0.3, appointment=0),
    OrderPlan("wipers", State.DRAFT, hours_ago=0.2),
    OrderPlan("40k", State.SIGNED, hours_ago=0.8, appointment=1),
    OrderPlan("align", State.DISPATCHED, "tech1", hours_ago=1.2),
    OrderPlan("ac", State.DISPATCHED, "sz01-t3", hours_ago=1.5),
    OrderPlan("mil", State.IN_PROGRESS, "tech1", hours_ago=3.5, late=True),
    OrderPlan("body", State.IN_PROGRESS, "tech2", hours_ago=5.0),
    OrderPlan("oil", State.AWAITING_APPROVAL, "tech1", hours_ago=2.5, found=True),
    OrderPlan("idle", State.FINISHED, "sz01-t4", hours_ago=4.5, late=True),
    OrderPlan("plugs", State.READY, "tech1", hours_ago=4.0),
    OrderPlan("battery", State.READY, "sz01-t4", hours_ago=2.0),
    OrderPlan("40k", State.SETTLED, "tech1", days_ago=1),
)
SZ01_DELIVERED = (
    OrderPlan("oil", State.DELIVERED, "tech1", days_ago=1),
    OrderPlan("brake", State.DELIVERED, "sz01-t3", days_ago=1),
    OrderPlan("40k", State.DELIVERED, "tech1", days_ago=2, found=True),
    OrderPlan("ev", State.DELIVERED, "sz01-t4", days_ago=2),
    OrderPlan("tyres", State.DELIVERED, "sz01-t3", days_ago=2),
    OrderPlan("oil", State.DELIVERED, "sz01-t5", days_ago=3, followup="retry"),
    OrderPlan("ac", State.DELIVERED, "tech1", days_ago=3, followup="no_consent"),
    OrderPlan("plugs", State.DELIVERED, "tech1", days_ago=4),
    OrderPlan("body", State.DELIVERED, "sz01-t6", days_ago=5, followup="done", satisfaction=5),
    OrderPlan("oil", State.DELIVERED, "sz01-t5", days_ago=6, followup="complaint", satisfaction=2, late=True),
    OrderPlan("mil", State.DELIVERED, "sz01-t4", days_ago=7, followup="done", satisfaction=4),
    OrderPlan("carbon", State.DELIVERED, "tech1", days_ago=8, followup="done", satisfaction=5),
    OrderPlan("align", State.DELIVERED, "sz01-t3", days_ago=9, followup="unreachable"),
    OrderPlan("battery", State.DELIVERED, "tech1", days_ago=10, followup="done", satisfaction=5),
    OrderPlan("40k", State.DELIVERED, "sz01-t4", days_ago=11, followup="done", satisfaction=3, found=True),
    OrderPlan("wipers", State.DELIVERED, "sz01-t5", days_ago=13, followup="done", satisfaction=5),
    OrderPlan("idle", State.DELIVERED, "tech1", days_ago=14, followup="done", satisfaction=4),
    OrderPlan("ev", State.DELIVERED, "tech1", days_ago=16, followup="done", satisfaction=5),
    OrderPlan("brake", State.DELIVERED, "tech1", days_ago=18, followup="done", satisfaction=5),
    OrderPlan("oil", State.DELIVERED, "sz01-t3", days_ago=20, followup="done", satisfaction=4),
)
SZ02_ORDERS = (
    OrderPlan("oil", State.DRAFT, hours_ago=0.5),
    OrderPlan("brake", State.DISPATCHED, "sz02-t2", hours_ago=1.5),
    OrderPlan("40k", State.IN_PROGRESS, "sz02-t1", hours_ago=3.0),
    OrderPlan("ac", State.DELIVERED, "sz02-t1", days_ago=2),
    OrderPlan("oil", State.DELIVERED, "sz02-t2", days_ago=6, followup="done", satisfaction=4),
    OrderPlan("align", State.DELIVERED, "sz02-t1", days_ago=12, followup="done", satisfaction=5),
)
GZ01_ORDERS = (
    OrderPlan("oil", State.DRAFT, hours_ago=0.5),
    OrderPlan("brake", State.SIGNED, hours_ago=1.0),
)

COMPLAINT_WORDS = "承诺下午四点交车，等到六点多才拿到车，也没人提前打电话说明；洗车也没洗干净。"
SAID = {
    5: ("服务很好，顾问解释得很清楚。", "车开着很顺，谢谢提醒下次保养时间。", "交车准时，洗车也很干净。"),
    4: ("整体满意，就是等候时间稍长。", "师傅技术不错，休息区有点吵。"),
    3: ("价格比预想的高一些，希望以后先报价再做。",),
}
# When each step comes, in hours after the one before (finish: the job's hours are added).
GAPS = {
    "open": 0.0, "line-add": 0.05, "sign": 0.2, "dispatch": 0.3, "start": 0.3, "request-approval": 0.3,
    "approve": 0.4, "finish": 0.6, "qc-pass": 0.3, "settle": 0.4, "deliver": 0.2,
}  # fmt: skip
STEPS = ["sign", "dispatch", "start", "finish", "qc-pass", "settle", "deliver"]
REACHED_AT = {  # after these states, the order went through these steps
    State.DRAFT: 0, State.SIGNED: 1, State.DISPATCHED: 2, State.IN_PROGRESS: 3, State.AWAITING_APPROVAL: 3,
    State.FINISHED: 4, State.READY: 5, State.SETTLED: 6, State.DELIVERED: 7,
}  # fmt: skip

# --- Loading -------------------------------------------------------------------------------------


@dataclass
class Ctx:
    rng: random.Random
    now: datetime  # the working day's moment (workday_now): the clock's, or earlier
    clock: datetime  # the clock's: services refuse a promise or a booking before it
    store: Store
    tenants: dict[str, Tenant]
    ops: dict[str, LaborOperation]
    parts: dict[tuple[str, str], Part]  # (role, brand) -> part
    techs: dict[str, Technician]
    vehicles: list[Vehicle]
    summary: dict = field(default_factory=dict)


def _local(day: date, hour: float) -> datetime:
    h, m = int(hour), int(round((hour - int(hour)) * 60))
    return datetime.combine(day, time(min(h, 23), min(m, 59)), tzinfo=TZ)


def _user(store: Store, username: str, name: str, role: str) -> User:
    """A colleague without a login (the demo's technicians besides tech1 and tech2)."""
    user = User(
        username=username, display_name=name, last_name=name[0], first_name=name[1:], group=store.group,
        home_store=store, language=User.Language.ZH_HANS,
    )  # fmt: skip
    user.set_unusable_password()
    user.save()
    StoreMembership.objects.create(user=user, store=store, role=role)
    return user


def _capacity(store: Store, users: dict[str, User]) -> dict[str, Technician]:
    hours = WorkshopHours.objects.create(
        store=store, slot_minutes=30, capacity=4 if store.code == "SZ01" else 2
    )
    for weekday in range(7):
        OpeningHours.objects.create(workshop=hours, weekday=weekday, opens=OPENS, closes=CLOSES)
    lifts, alignment, wash = BAYS[store.code]
    for i in range(1, lifts + 1):
        Bay.objects.create(store=store, name=f"{i}号举升机", kind=Bay.Kind.LIFT)
    if alignment:
        Bay.objects.create(store=store, name="四轮定位工位", kind=Bay.Kind.ALIGNMENT)
    if wash:
        Bay.objects.create(store=store, name="洗车工位", kind=Bay.Kind.WASH)
    if store.code == "SZ01":
        Bay.objects.create(store=store, name="新能源专用工位", kind=Bay.Kind.EV)
    teams: dict[str, Team] = {}
    techs = {}
    for username, name, team, level, skills in TECHNICIANS[store.code]:
        user = users.get(username) or _user(store, username, name, Role.TECHNICIAN)
        users[username] = user
        if team not in teams:
            teams[team] = Team.objects.create(store=store, name=team, leader=user)
        techs[username] = Technician.objects.create(
            store=store, user=user, team=teams[team], skills=skills, level=level
        )
    return techs


# What the settlement list counts these operations' lines as (the rest: labor fee, 工时费).
FEES = {"FD01": "diagnosis", "DQ03": "diagnosis", "XD01": "inspection"}


def _labor(group: DealerGroup) -> dict[str, LaborOperation]:
    return {
        code: LaborOperation.objects.create(
            group=group,
            code=code,
            name=name,
            standard_hours=Decimal(hours),
            skill=skill,
            fee_category=FEES.get(code, "labor"),
        )  # fmt: skip
        for code, name, hours, skill in LABOR
    }


def _catalogue(clerk: Tenant, brands: set[str]) -> dict[tuple[str, str], Part]:
    parts = {}
    for s in PARTS:
        if s.brand and s.brand not in brands:
            continue
        part = part_create(
            tenant=clerk, number=s.number, name=s.name, unit=s.unit, price=s.price, quality=s.quality,
            min_stock=s.min_stock,
        )  # fmt: skip
        parts[(s.role, s.brand)] = part
    return parts


def _part_for(ctx: Ctx, role: str, brand: str) -> Part | None:
    return ctx.parts.get((role, brand)) or ctx.parts.get((role, ""))


def _needs(ctx: Ctx, plans, vehicles) -> dict[int, Decimal]:
    """What the jobs will take from stock, per part."""
    need: dict[int, Decimal] = {}
    for plan, vehicle in zip(plans, vehicles, strict=True):
        lines = [*JOBS[plan.job].lines, *(BRAKE_FOUND if plan.found else ())]
        for line in lines:
            part = _part_for(ctx, line.part, vehicle.brand.name) if line.part else None
            if part is not None:
                need[part.pk] = need.get(part.pk, Decimal(0)) + Decimal(line.qty)
    return need


def _stock_in(ctx: Ctx, clerk: Tenant, need: dict[int, Decimal], brands: set[str]) -> None:
    """Goods in, three weeks ago: what the jobs take plus what is left on the shelf."""
    for s in PARTS:
        part = ctx.parts.get((s.role, s.brand))
        if part is None:
            continue
        if s.brand and s.brand not in brands:  # another store's brand: not stocked here
            stock_set_minimum(tenant=clerk, part_id=part.pk, min_qty="0")
            continue
        qty = math.ceil(need.get(part.pk, Decimal(0))) + s.left  # whole litres and kilograms too
        if qty > 0:
            stock_receive(
                tenant=clerk, part_id=part.pk, quantity=qty, reference=f"GR{ctx.now:%Y%m}-{part.pk % 1000:03d}",
                note="厂家月度订货到货",
            )  # fmt: skip
    received_at = ctx.now - timedelta(days=24)
    StockMove.objects.filter(store=ctx.store, kind=StockMove.Kind.RECEIPT).update(at=received_at)


def _pick_vehicles(ctx: Ctx, plans) -> list[Vehicle]:
    """A different car of a brand the store serves for each order, not in for 40 days."""
    pool = list(ctx.vehicles)
    ctx.rng.shuffle(pool)
    chosen = []
    for plan in plans:
        kind = JOBS[plan.job].kind
        ok = [
            v for v in pool
            if (kind == "any") or (kind == "ice") == (v.energy != Energy.BEV)
        ]  # fmt: skip
        if not ok:
            ok = pool
        if not ok:
            break
        v = ok[0]
        pool.remove(v)
        chosen.append(v)
    return chosen


def _tech_for(ctx: Ctx, plan: OrderPlan) -> Technician:
    if plan.tech and plan.tech in ctx.techs:
        return ctx.techs[plan.tech]
    needed = {ctx.ops[ln.op].skill for ln in JOBS[plan.job].lines if ln.op} - {"general"}
    able = [t for t in ctx.techs.values() if needed <= set(t.skills) | {"general"}]
    return able[0] if able else next(iter(ctx.techs.values()))


def _add_lines(ctx: Ctx, tenant: Tenant, order: RepairOrder, lines, vehicle: Vehicle, log: list) -> list:
    added = []
    for line in lines:
        if line.op:
            op = ctx.ops[line.op]
            ln = ro.line_add(
                tenant=tenant, order_id=order.pk, kind="labor", labor_operation_id=op.pk,
                quantity=line.qty or None, payer=line.payer,
            )  # fmt: skip
        else:
            part = _part_for(ctx, line.part, vehicle.brand.name)
            if part is None:
                continue
            kind = "material" if line.part in ("paint", "clear_coat", "sandpaper") else "part"
            ln = ro.line_add(
                tenant=tenant,
                order_id=order.pk,
                kind=kind,
                part_id=part.pk,
                quantity=line.qty,
                payer=line.payer,
            )
        log.append("line-add")
        added.append(ln)
    return added


def _issue(ctx: Ctx, order: RepairOrder, lines) -> None:
    clerk = ctx.tenants["clerk"]
    for ln in lines:
        if ln.part_id and ln.state != "declined":
            part_issue(tenant=clerk, part_id=ln.part_id, quantity=ln.quantity, for_id=order.pk)


def _run(
    ctx: Ctx, plan: OrderPlan, vehicle: Vehicle, appointment: Appointment | None
) -> tuple[RepairOrder, list]:
    """Take the order through the services up to its target state; return it with the actions taken."""
    t = ctx.tenants
    job = JOBS[plan.job]
    tech = _tech_for(ctx, plan)
    tech_tenant = resolve_tenant(tech.user, ctx.store.code)
    log: list[str] = []
    km = vehicle.mileage_km + ctx.rng.randint(900, 4800)
    order = ro.repair_order_create(
        tenant=t["sa"], vehicle_id=vehicle.pk, mileage_km=km, complaint=job.complaint,
        appointment_id=appointment.pk if appointment else None, promised_at=ctx.clock + timedelta(hours=3),
        payment_method=ctx.rng.choice(("wechat", "wechat", "alipay", "card")),
        old_parts=ctx.rng.choice(("leave", "leave", "take")), work_class=job.work_class,
        preauth_amount="0.00" if plan.found else ctx.rng.choice(("0.00", "200.00")),
    )  # fmt: skip
    log.append("open")
    lines = _add_lines(ctx, t["sa"], order, job.lines, vehicle, log)
    reached = REACHED_AT[plan.target]
    if reached >= 1:
        ro.order_sign(tenant=t["sa"], order_id=order.pk, signature="demo")
        log.append("sign")
        if reached <= 2:  # parts held for the job until it starts
            for ln in lines:
                if ln.part_id:
                    reservation_create(tenant=t["sa"], part_id=ln.part_id, quantity=ln.quantity,
                                       for_kind="repair_order", for_id=order.pk)  # fmt: skip
    if reached >= 2:
        ro.order_dispatch(tenant=t["foreman"], order_id=order.pk, technician_id=tech.pk)
        log.append("dispatch")
    if reached >= 3:
        ro.order_start(tenant=tech_tenant, order_id=order.pk)
        log.append("start")
        _issue(ctx, order, lines)
        if plan.found:
            found = _add_lines(ctx, tech_tenant, order, BRAKE_FOUND, vehicle, log)
            ro.order_request_approval(tenant=t["sa"], order_id=order.pk)
            log.append("request-approval")
            if plan.target != State.AWAITING_APPROVAL:
                customer = order.customer
                ro.order_approve(
                    tenant=t["sa"], order_id=order.pk, method="phone", approver=customer.name,
                    note=f"{customer.salutation}电话同意更换前刹车片（剩余约2 mm），追加约 ¥{sum(f.amount for f in found):.0f}。",
                )  # fmt: skip
                log.append("approve")
                _issue(ctx, order, found)
    if reached >= 4:
        ro.order_finish(tenant=tech_tenant, order_id=order.pk)
        log.append("finish")
    if reached >= 5:
        ro.order_qc_pass(
            tenant=t["qc"], order_id=order.pk, checklist={"外观检查": True, "路试": True, "项目核对": True}
        )
        log.append("qc-pass")
    if reached >= 6:
        order.refresh_from_db()
        payments = (
            [{"method": order.payment_method, "amount": f"{order.customer_total:.2f}"}]
            if order.customer_total
            else []
        )
        # level-2 maintenance and overhauls leave with their completion certificate (合格证)
        certificate = (
            f"粤{order.number.removeprefix('RO-')}" if certificate_required(order.work_class) else ""
        )
        ro.order_settle(
            tenant=t["cashier"], order_id=order.pk, payments=payments, certificate_number=certificate
        )
        log.append("settle")
    if reached >= 7:
        consent = plan.followup != "no_consent"
        customer = order.customer
        ro.order_deliver(
            tenant=t["sa"], order_id=order.pk, mileage_out=km + ctx.rng.randint(0, 12),
            old_parts_returned=order.old_parts == "take", followup_consent=consent,
            followup_channel=customer.preferred_channel, followup_time=customer.preferred_time,
        )  # fmt: skip
        log.append("deliver")
    return order, log


def _timeline(ctx: Ctx, plan: OrderPlan, log: list[str]) -> list[datetime]:
    """When each action happened: history in the working day it was done; open orders since `hours_ago`."""
    hours = JOBS[plan.job].lines
    job_hours = sum(float(ctx.ops[ln.op].standard_hours) for ln in hours if ln.op) * 0.9
    gaps = [GAPS[a] + (job_hours if a == "finish" else 0) for a in log]
    if plan.days_ago:
        # counted from the calendar's today: before opening, "a day ago" is the working day itself
        day = (ctx.clock - timedelta(days=plan.days_ago)).astimezone(TZ).date()
        t = _local(day, 8.6 + ctx.rng.random() * 2.2)
        if plan.late:
            gaps = [g * 1.6 for g in gaps]
    else:
        hours_ago = plan.hours_ago * _day_scale(ctx.now)
        t = ctx.now - timedelta(hours=hours_ago)
        total = sum(gaps) or 1
        room = max(hours_ago - 0.15, 0.1)
        if total > room:
            gaps = [g * room / total for g in gaps]
    times = []
    for g in gaps:
        t = t + timedelta(hours=g, minutes=ctx.rng.randint(0, 4) if g and plan.days_ago else 0)
        times.append(t)
    latest = ctx.now - timedelta(minutes=5)
    if times[-1] > latest:  # nothing happens in the future
        back = times[-1] - latest
        times = [x - back for x in times]
    return times


def _published(record):
    """The core events published about a record (dms.core.events)."""
    return Event.objects.filter(subject_type=subject_name(record), subject_id=record.pk)


def _published_at(order: RepairOrder, log: list[str], times: list[datetime]) -> None:
    """The core events of the order's steps at the times of their history rows: the n-th event of
    a type is the n-th step that publishes it (opening, and each step of the workflow)."""
    when: dict[str, list[datetime]] = {}
    for action, t in zip(log, times, strict=True):
        if action == "open":
            when.setdefault(f"{ORDER.event_name}.opened", []).append(t)
        elif action in ORDER.table:
            when.setdefault(f"{ORDER.event_name}.{ORDER.table[action].event}", []).append(t)
    for pk, type in _published(order).order_by("id").values_list("pk", "type"):
        if when.get(type):
            Event.objects.filter(pk=pk).update(at=when[type].pop(0))


# The step that queues each of the service loop's texts (dms/portal/subscribers.py).
TEXTED_BY = {"status_link": "open", "approval_link": "request-approval"}


def _texted_at(order: RepairOrder, log: list[str], times: list[datetime]) -> None:
    """The order's texts queued at the times of the steps that queued them; those still waiting are
    recorded then, as the worker would have done that day (the demo has no SMS provider: the
    recording channel's note says nothing was sent)."""
    first: dict[str, datetime] = {}
    for action, t in zip(log, times, strict=True):
        first.setdefault(action, t)
    for kind, action in TEXTED_BY.items():
        if action not in first:
            continue
        texts = Message.objects.filter(subject_type=subject_name(order), subject_id=order.pk, kind=kind)
        texts.update(created_at=first[action])
        texts.filter(state__in=PENDING_STATES).update(
            state=MessageState.SENT, sent_at=first[action], provider=Provider.RECORDING,
            reason=recorded_note(), send_after=None, next_attempt_at=None,
        )  # fmt: skip


STAMPS = {
    "sign": "signed_at", "dispatch": "dispatched_at", "start": "started_at", "finish": "finished_at",
    "qc-pass": "qc_passed_at", "settle": "settled_at", "deliver": "delivered_at",
}  # fmt: skip


def as_recorded(order: RepairOrder, days_ago: int) -> None:
    """An order the demo has just taken through its steps outside the service loop's timeline (claims'
    warranty repairs), moved `days_ago` days back: its history, stamps, published events and texts,
    the reading taken at reception (named after it), the parts moves, the payment and the service
    record, as the loop's orders have them."""
    delta = timedelta(days=days_ago)
    order = RepairOrder.objects.get(pk=order.pk)
    for pk, at in RepairOrderEvent.objects.filter(order=order).values_list("pk", "at"):
        RepairOrderEvent.objects.filter(pk=pk).update(at=at - delta)
    stamps = {f: getattr(order, f) - delta for f in ("opened_at", *STAMPS.values()) if getattr(order, f)}
    # the order opened at the moment of its first history row (the texts it queued then are dated so)
    log, times = [], []
    for action, at in RepairOrderEvent.objects.filter(order=order).order_by("id").values_list("action", "at"):
        log.append(action)
        times.append(at)
    stamps["opened_at"] = times[0]
    RepairOrder.objects.filter(pk=order.pk).update(updated_at=times[-1], **stamps)
    _published_at(order, log, times)
    _texted_at(order, log, times)
    opened, at = times[0], dict(zip(log, times, strict=True))
    MileageReading.objects.filter(vehicle_id=order.vehicle_id, km=order.mileage_in, note="").update(
        read_at=opened, recorded_at=opened, note=order.number
    )
    last = MileageReading.objects.filter(vehicle_id=order.vehicle_id).order_by("-read_at", "-id").first()
    Vehicle.objects.filter(pk=order.vehicle_id).update(mileage_km=last.km, mileage_read_at=last.read_at)
    for move in StockMove.objects.filter(for_kind="repair_order", for_id=order.pk):
        StockMove.objects.filter(pk=move.pk).update(at=move.at - delta)
    Reservation.objects.filter(for_kind="repair_order", for_id=order.pk).update(at=at.get("sign", opened))
    if "settle" in at:
        Payment.objects.filter(order=order).update(at=at["settle"])
        ServiceRecord.objects.filter(vehicle_id=order.vehicle_id, reference=order.number).update(
            date=at["settle"].astimezone(TZ).date()
        )


def _backdate(ctx: Ctx, plan: OrderPlan, order: RepairOrder, log: list[str], times: list[datetime]) -> dict:
    at = dict(zip(log, times, strict=True))  # the last time of each action
    events = list(RepairOrderEvent.objects.filter(order=order).order_by("id").values_list("pk", "action"))
    if [a for _pk, a in events] == log:
        for (pk, _a), t in zip(events, times, strict=True):
            RepairOrderEvent.objects.filter(pk=pk).update(at=t)
        _published_at(order, log, times)
        _texted_at(order, log, times)
    opened = times[0]
    fields = {stamp: at[a] for a, stamp in STAMPS.items() if a in at}
    done_at = at.get("deliver") or at.get("settle") or times[-1]
    if plan.days_ago:
        promised = (
            (done_at - timedelta(hours=2))
            if plan.late
            else done_at + timedelta(minutes=ctx.rng.randint(10, 60))
        )
    elif plan.late:
        promised = ctx.now - timedelta(minutes=ctx.rng.choice((25, 40, 70)))
    elif plan.target == State.IN_PROGRESS and JOBS[plan.job].body:
        promised = _local((ctx.now + timedelta(days=1)).astimezone(TZ).date(), 17)
    else:  # later today, or tomorrow morning when the workshop closes before that
        promised = ctx.now + timedelta(hours=ctx.rng.choice((1, 1.5, 2, 3)))
        local = promised.astimezone(TZ)
        if local.time() > CLOSES or local.date() > ctx.now.astimezone(TZ).date():
            promised = _local(ctx.now.astimezone(TZ).date() + timedelta(days=1), ctx.rng.choice((10, 11, 12)))
    RepairOrder.objects.filter(pk=order.pk).update(
        opened_at=opened, promised_at=promised, updated_at=times[-1], **fields
    )
    # the reading taken at reception, the parts moves and the payment, at their moment
    MileageReading.objects.filter(vehicle_id=order.vehicle_id, km=order.mileage_in, note="").update(
        read_at=opened, recorded_at=opened, note=order.number
    )
    Vehicle.objects.filter(pk=order.vehicle_id).update(mileage_read_at=opened)
    StockMove.objects.filter(for_kind="repair_order", for_id=order.pk, kind=StockMove.Kind.RESERVE).update(
        at=at.get("sign", opened)
    )
    Reservation.objects.filter(for_kind="repair_order", for_id=order.pk).update(at=at.get("sign", opened))
    StockMove.objects.filter(for_kind="repair_order", for_id=order.pk, kind=StockMove.Kind.ISSUE).update(
        at=at.get("start", opened)
    )
    if "settle" in at:
        Payment.objects.filter(order=order).update(at=at["settle"])
        ServiceRecord.objects.filter(vehicle_id=order.vehicle_id, reference=order.number).update(
            date=at["settle"].astimezone(TZ).date()
        )
    if order.appointment_id:
        Appointment.objects.filter(pk=order.appointment_id).update(arrived_at=opened)
        AppointmentEvent.objects.filter(appointment_id=order.appointment_id, action="arrive").update(
            at=opened
        )
        _published(order.appointment).filter(type="appointment.arrived").update(at=opened)
    return at


def _call_back(ctx: Ctx, plan: OrderPlan, order: RepairOrder, delivered: datetime) -> None:
    """The follow-up call after delivery: due 2 days later; the older ones made by customer care."""
    f = FollowUp.objects.get(repair_order=order)
    due = delivered + timedelta(days=2)
    FollowUp.objects.filter(pk=f.pk).update(created_at=delivered, due_at=due)
    care = ctx.tenants.get("care")
    if care is None or not plan.followup or plan.followup == "no_consent":
        return
    first_try = _calling_hours(due - timedelta(hours=ctx.rng.randint(20, 40)))
    if plan.followup == "retry":
        followup_record(tenant=care, followup_id=f.pk, reached=False, note="无人接听。")
        _moved(f, care, [first_try])
        today = ctx.now.astimezone(TZ).date()
        FollowUp.objects.filter(pk=f.pk).update(
            due_at=max(_local(today, 15.5), ctx.now - timedelta(minutes=30))
        )
        return
    if plan.followup == "unreachable":
        tries = [first_try, first_try + timedelta(hours=5), first_try + timedelta(days=1, hours=1)]
        for note in ("无人接听。", "关机。", "无人接听，已发短信请客户方便时回电。"):
            followup_record(tenant=care, followup_id=f.pk, reached=False, note=note)
        _moved(f, care, tries)
        FollowUp.objects.filter(pk=f.pk).update(done_at=tries[-1])
        return
    complaint = plan.followup == "complaint"
    note = COMPLAINT_WORDS if complaint else ctx.rng.choice(SAID[plan.satisfaction])
    followup_record(
        tenant=care,
        followup_id=f.pk,
        reached=True,
        satisfaction=plan.satisfaction,
        complaint=complaint,
        note=note,
    )
    _moved(f, care, [first_try])
    FollowUp.objects.filter(pk=f.pk).update(done_at=first_try)
    if complaint:
        _case_handled(
            care, FollowUp.objects.values_list("complaint_case_id", flat=True).get(pk=f.pk), first_try
        )


def _calling_hours(at: datetime) -> datetime:
    """`at`, moved into the hours the care agents call (09:00-17:30) of its day."""
    local = at.astimezone(TZ)
    earliest = datetime.combine(local.date(), time(9), tzinfo=TZ) + timedelta(minutes=local.minute)
    latest = datetime.combine(local.date(), time(17), tzinfo=TZ) + timedelta(minutes=local.minute // 2)
    return min(max(local, earliest), latest)


def _case_handled(care: Tenant, case_id: int | None, called_at: datetime) -> None:
    """The case the unhappy customer's call opened, dated by the call (not by when the demo was
    loaded): care acknowledged it at once and resolved it the next day; the customer is yet to
    confirm (a case past its deadlines would otherwise lie open for days)."""
    from django.db.models import F

    from dms.satisfaction.models import Complaint, ComplaintEvent
    from dms.satisfaction.services import complaint_act

    if case_id is None:
        return
    complaint_act(tenant=care, complaint_id=case_id, action="acknowledge")
    complaint_act(
        tenant=care, complaint_id=case_id, action="resolve", root_cause="交车时间变更后未及时通知客户。",
        resolution="向客户致歉，赠送一次免费保养工时；交车时间变更须由服务顾问当即电话告知。",
    )  # fmt: skip
    case = Complaint.objects.get(pk=case_id)
    delta = called_at + timedelta(minutes=2) - case.opened_at
    later = {"acknowledge": timedelta(minutes=15), "resolve": timedelta(days=1, hours=2)}
    Complaint.objects.filter(pk=case_id).update(
        opened_at=F("opened_at") + delta, acknowledge_by=F("acknowledge_by") + delta,
        resolve_by=F("resolve_by") + delta, acknowledged_at=case.opened_at + delta + later["acknowledge"],
        resolved_at=case.opened_at + delta + later["resolve"],
    )  # fmt: skip
    for event in ComplaintEvent.objects.filter(complaint_id=case_id):
        at = case.opened_at + delta + later.get(event.action, timedelta(0))
        ComplaintEvent.objects.filter(pk=event.pk).update(at=at)


def _moved(f: FollowUp, care: Tenant, times: list[datetime]) -> None:
    """The calls' entries on the customer card, at the time they were made."""
    contacts = list(
        CustomerContact.objects.filter(customer_id=f.customer_id, by=care.user).order_by("-id")[: len(times)]
    )
    for c, t in zip(reversed(contacts), times, strict=False):
        CustomerContact.objects.filter(pk=c.pk).update(at=t)


def _appointments(ctx: Ctx, plans: list[tuple[int, float, str, str, Vehicle]]) -> list[Appointment]:
    """Book through the scheduling services; a time already past today is booked a week ahead and
    moved back (the service refuses the past, as it should)."""
    sa = ctx.tenants["sa"]
    out = []
    local_now = ctx.now.astimezone(TZ)
    # the first free half hour at least 30 minutes ahead: where today's waiting appointments go when
    # the demo is loaded later in the day than planned
    upcoming = local_now.hour + (1 if local_now.minute < 30 else 1.5)
    for day_offset, hour, job, state, vehicle in plans:
        day = (ctx.now + timedelta(days=day_offset)).astimezone(TZ).date()
        fits = upcoming + float(STANDARD_HOURS[job]) <= CLOSES.hour
        if day_offset == 0 and state in ("confirmed", "booked") and _local(day, hour) <= ctx.now and fits:
            hour, upcoming = upcoming, upcoming + 0.5
        start = _local(day, hour)
        shift = timedelta(0) if start > ctx.clock + timedelta(minutes=5) else timedelta(days=7)
        deposit = "300.00" if job == Job.BODY_PAINT else None
        a = appointment_create(
            tenant=sa, vehicle_id=vehicle.pk, start=start + shift, job=job, items=_items(job),
            channel=ctx.rng.choice(("phone", "phone", "desk")), deposit_amount=deposit,
            deposit_method="wechat" if deposit else "",
        )  # fmt: skip
        if shift:
            Appointment.objects.filter(pk=a.pk).update(start=a.start - shift, end=a.end - shift)
            booked = ctx.now - timedelta(days=1, hours=2)
            Appointment.objects.filter(pk=a.pk).update(created_at=booked)
            AppointmentEvent.objects.filter(appointment=a).update(at=booked)
            _published(a).filter(type="appointment.booked").update(at=booked)
            a.refresh_from_db()
        if state == "confirmed":
            appointment_transition(tenant=sa, appointment_id=a.pk, action="confirm")
        elif state == "cancelled":
            appointment_transition(
                tenant=sa, appointment_id=a.pk, action="cancel", reason="客户临时出差，改期再约。"
            )
        elif state == "no_show" and a.start <= ctx.now:
            appointment_transition(
                tenant=sa, appointment_id=a.pk, action="no-show", reason="电话未接通，客户未到店。"
            )
        out.append(a)
    return out


def _items(job: str) -> str:
    return {
        Job.MAINTENANCE: "常规保养（机油机滤）", Job.TYRES: "四轮定位", Job.AC: "空调检查",
        Job.BODY_PAINT: "后保险杠刮擦喷漆", Job.DIAGNOSIS: "故障灯亮，检查", Job.REPAIR: "刹车异响检查",
    }.get(job, "")  # fmt: skip


def _store(ctx: Ctx, open_plans, done_plans, appointment_plan) -> None:
    plans = [*open_plans, *done_plans]
    spare = len(appointment_plan)
    vehicles = _pick_vehicles(ctx, plans + [OrderPlan("oil", State.DRAFT)] * spare)
    plans = plans[: len(vehicles)]
    order_vehicles, extra = vehicles[: len(plans)], vehicles[len(plans) :]
    need = _needs(ctx, plans, order_vehicles)
    _stock_in(ctx, ctx.tenants["clerk"], need, {b.name for b in ctx.store.brands.all()})
    # appointments: the arrivals are the cars of the orders that name them
    arrivals = {
        p.appointment: v for p, v in zip(plans, order_vehicles, strict=True) if p.appointment is not None
    }
    booked = []
    for i, (day, hour, job, state) in enumerate(appointment_plan):
        vehicle = arrivals.get(i) if day == 0 else None
        if vehicle is None:
            if not extra:
                continue
            vehicle = extra.pop()
        booked.append((i, (day, hour, job, state, vehicle)))
    appointments = dict(zip((i for i, _ in booked), _appointments(ctx, [b for _, b in booked]), strict=True))
    counts = {"orders": 0, "followups": 0}
    # oldest first, so that the numbers grow with time
    in_order = sorted(
        zip(plans, order_vehicles, strict=True), key=lambda pv: (-pv[0].days_ago, -pv[0].hours_ago)
    )
    for plan, vehicle in in_order:
        order, log = _run(ctx, plan, vehicle, appointments.get(plan.appointment))
        at = _backdate(ctx, plan, order, log, _timeline(ctx, plan, log))
        if "deliver" in at:
            _call_back(ctx, plan, order, at["deliver"])
            counts["followups"] += 1
        counts["orders"] += 1
    counts["appointments"] = len(appointments)
    counts["clocks"] = _clocks(ctx.store)
    ctx.summary[ctx.store.code] = counts


class _Shift:
    """One technician's clock through the day (see _clocks)."""

    def __init__(self, tech: Technician, clocks: list[JobClock]):
        self.tech, self.clocks = tech, clocks
        self.running: JobClock | None = None  # the clock on now
        self.paused: list[RepairOrder] = []  # jobs left for another, the last one resumed first

    def open(self, order: RepairOrder, at: datetime) -> None:
        self.running = JobClock(order=order, technician=self.tech, started_at=at, by_id=self.tech.user_id)
        self.clocks.append(self.running)

    def close(self, at: datetime, how: str, reason: str = "") -> RepairOrder:
        clock, self.running = self.running, None
        clock.ended_at, clock.ended_by, clock.pause_reason = at, how, reason
        return clock.order

    def resume(self, at: datetime) -> None:
        if self.paused:
            self.open(self.paused.pop(), at)

    def play(self, e: RepairOrderEvent) -> None:
        order, at = e.order, e.at
        on = self.running.order.pk if self.running else None
        if e.action == "start":
            if self.running:
                self.paused.append(self.close(at, ClockEnd.PAUSE, PauseReason.OTHER))
            self.open(order, at)
        elif on == order.pk:
            how, reason = (
                (ClockEnd.FINISH, "") if e.action == "finish" else (ClockEnd.PAUSE, PauseReason.APPROVAL)
            )
            self.close(at, how, reason)
            self.resume(at)
        elif e.action == "approve":  # the customer agreed: back to work on it
            if self.running:
                self.paused.append(self.close(at, ClockEnd.PAUSE, PauseReason.OTHER))
            self.open(order, at)
        elif e.action == "finish":  # finished while left: back to it for its last minutes
            if order in self.paused:
                self.paused.remove(order)
            took = timedelta(minutes=10)
            if self.running:
                took = min(took, (at - self.running.started_at) / 2)
                self.paused.append(self.close(at - took, ClockEnd.PAUSE, PauseReason.OTHER))
            self.open(order, at - took)
            self.close(at, ClockEnd.FINISH)
            self.resume(at)
        elif order in self.paused:  # waiting for the customer: its pause is for that now
            self.paused.remove(order)
            next(
                c for c in reversed(self.clocks) if c.order.pk == order.pk
            ).pause_reason = PauseReason.APPROVAL

    def end(self) -> None:
        """Only a job in repair is left running; a job resumed and then left otherwise (cancelled)
        was not worked on after all."""
        if self.running and self.running.order.state != State.IN_PROGRESS:
            self.clocks.remove(self.running)
            self.running = None


def _clocks(store: Store) -> int:
    """The technicians' clockings (打卡) of the store's orders, as the floor would have recorded them,
    replayed from each technician's order events: a job starts its clock, pausing the one it takes
    over; a finish stops it and the technician resumes the job paused last; a job finished while
    paused is resumed for its last minutes; a request for the customer's approval pauses it for
    that reason, their approval resumes it. The job on the lift now is left running: one running clock per technician."""
    events = (
        RepairOrderEvent.objects.filter(
            order__store=store,
            order__technician__isnull=False,
            action__in=("start", "request-approval", "approve", "finish"),
        )
        .select_related("order", "order__technician")
        .order_by("order__technician_id", "at", "id")
    )
    clocks: list[JobClock] = []
    shifts: dict[int, _Shift] = {}
    for e in events:
        tech = e.order.technician
        shifts.setdefault(tech.pk, _Shift(tech, clocks)).play(e)
    for shift in shifts.values():
        shift.end()
    JobClock.objects.bulk_create(clocks)
    return len(clocks)


APPOINTMENTS_SZ01 = (
    (0, 9.0, Job.MAINTENANCE, "arrived"),
    (0, 9.5, Job.MAINTENANCE, "arrived"),
    (0, 10.0, Job.REPAIR, "no_show"),
    (0, 11.0, Job.DIAGNOSIS, "confirmed"),
    (0, 14.0, Job.BODY_PAINT, "confirmed"),
    (0, 15.0, Job.MAINTENANCE, "booked"),
    (0, 16.5, Job.TYRES, "cancelled"),
    (1, 9.0, Job.MAINTENANCE, "confirmed"),
    (1, 10.0, Job.AC, "booked"),
    (1, 11.5, Job.MAINTENANCE, "booked"),
    (1, 14.5, Job.REPAIR, "booked"),
)
APPOINTMENTS_SMALL = ((0, 15.0, Job.MAINTENANCE, "confirmed"), (1, 9.5, Job.MAINTENANCE, "booked"))


def _vehicles_of(store: Store, now: datetime) -> list[Vehicle]:
    """Cars of the store's brands whose owner never changed and that were not in for 40 days, of
    customers who still come: a lost customer (no visit for years) in today's workshop would no
    longer be lost, and the demo's share of lost customers would move with the day it is loaded."""
    sold_on = VehicleOwnership.objects.filter(ended_on__isnull=False).values("vehicle_id")
    return list(
        Vehicle.objects.filter(
            group_id=store.group_id,
            brand__in=store.brands.all(),
            mileage_read_at__lt=now - timedelta(days=40),
        )
        .exclude(pk__in=sold_on)
        .exclude(owner__value_tier=ValueTier.LOST)
        .select_related("brand", "owner")
        .order_by("vin")  # not pk: ids are random, the demo must not be
    )


def _tenants(store: Store, users: dict[str, User], roles: dict[str, str]) -> dict[str, Tenant]:
    return {key: resolve_tenant(users[name], store.code) for key, name in roles.items() if name in users}


def load_demo_service(*, seed: int = SEED, now: datetime | None = None) -> dict:
    """The service loop of the demo groups (after load_demo's groups, staff and customers)."""
    now = now or timezone.now()
    shop_now = workday_now(now)
    rng = random.Random(seed)
    summary: dict = {}
    for group in DealerGroup.objects.filter(code__in=("DEMO", "OTHER")).order_by("code"):
        users = {u.username: u for u in User.objects.filter(group=group)}
        stores = {s.code: s for s in Store.objects.filter(group=group).prefetch_related("brands")}
        ops = _labor(group)
        parts: dict = {}
        for store_code, store in sorted(stores.items()):
            boss = users.get("foreman1") if store_code == "SZ01" else users.get("manager1")
            with set_actor(boss or users.get("sa9")):
                techs = _capacity(store, users)
            if store_code == "GZ01" and "gz01-p1" not in users:
                users["gz01-p1"] = _user(store, "gz01-p1", "钟丽华", Role.PARTS_CLERK)
            if store_code == "SZ01":
                roles = {"sa": "sa1", "foreman": "foreman1", "qc": "qc1", "cashier": "cashier1", "care": "care1",
                         "clerk": "parts1"}  # fmt: skip
            elif store_code == "SZ02":
                roles = {"sa": "sa1", "care": "care2"}  # manager1 stands in for the workshop's roles
                roles |= dict.fromkeys(("foreman", "qc", "cashier", "clerk"), "manager1")
            else:
                roles = {"sa": "sa9", "clerk": "gz01-p1"}
            tenants = _tenants(store, users, roles)
            if "sa" not in tenants or "clerk" not in tenants:
                continue
            if not parts:
                parts = _catalogue(
                    tenants["clerk"], {b.name for s in stores.values() for b in s.brands.all()}
                )
            ctx = Ctx(
                rng, shop_now, now, store, tenants, ops, parts, techs, _vehicles_of(store, now), summary
            )
            if store_code == "SZ01":
                _store(ctx, SZ01_OPEN, SZ01_DELIVERED, APPOINTMENTS_SZ01)
            elif store_code == "SZ02":
                _store(ctx, SZ02_ORDERS, (), APPOINTMENTS_SMALL)
            else:
                _store(ctx, GZ01_ORDERS, (), APPOINTMENTS_SMALL)
        # the settled orders wrote history: the value tiers follow it
        recompute_group_tiers(group.pk, today=now.astimezone(TZ).date())
    return summary
