"""The demo dealership: two dealer groups with staff, customers, vehicles and service history.

`load_demo()` builds it in one transaction, the same on every load (a fixed random seed) and
always realistic (every date is relative to today). It first plans everything in memory, then
writes: customers, vehicles, ownership transfers, consents and contacts go through the services,
so that the audit log, search keys and consent events are what real use leaves behind; the
service history and its mileage readings are bulk-inserted for speed, and the value tiers are then
computed from that history by the segmentation code, never typed.
"""

from __future__ import annotations

import random
import re
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from auditlog.context import set_actor
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from pypinyin import lazy_pinyin

from dms.core.models import Brand, DealerGroup, Store, StoreMembership, User
from dms.core.roles import Role
from dms.core.tenancy import Tenant, resolve_tenant
from dms.customers.models import (
    BehaviourType,
    Channel,
    ConsentEvent,
    Customer,
    CustomerContact,
    PreferredTime,
    SegmentationRules,
    Source,
    Title,
    ValueTier,
)
from dms.customers.segmentation import recompute_group_tiers
from dms.customers.services import consent_set, contact_log, customer_create
from dms.vehicles.models import Energy, MileageReading, ServiceRecord, Usage, Vehicle
from dms.vehicles.rules import vin_check_digit
from dms.vehicles.services import vehicle_create, vehicle_transfer
from dms.vehicles.warranty import add_years

from .claims import load_demo_claims
from .packages import load_demo_packages
from .records import load_demo_records
from .relationships import load_demo_relationships
from .sales import load_demo_sales
from .satisfaction import load_demo_satisfaction
from .service import load_demo_service

DEMO_PASSWORD = "demo-pass-2026"
SEED = 440300  # any fixed number: the demo is the same on every load
TZ = ZoneInfo("Asia/Shanghai")
NEV = (Energy.BEV, Energy.PHEV)  # these get the 8-character new-energy plates

# --- The organisation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    name: str
    energy: str
    weight: float
    years: tuple[int, int]  # sold from, until (model years)
    vds: str  # VIN positions 4-8
    engine: str  # engine (or motor) type, the prefix of the engine number
    trims: tuple[str, ...]
    commercial: bool = False  # common as a taxi or ride-hailing car


@dataclass(frozen=True)
class BrandSpec:
    name: str
    warranty_years: int
    warranty_km: int
    wmis: tuple[str, ...]
    plant: str  # VIN position 11
    weight: float
    service_price: tuple[int, int]  # a routine oil service, CNY
    models: tuple[ModelSpec, ...]


@dataclass(frozen=True)
class StoreSpec:
    code: str
    name: str
    address: str
    phone: str
    licence_no: str
    labor_rate: str
    brands: tuple[str, ...]


@dataclass(frozen=True)
class GroupSpec:
    code: str
    name: str
    stores: tuple[StoreSpec, ...]
    brands: tuple[BrandSpec, ...]
    plate_prefix: str
    city: str
    # district, weight, nearest store, a few of its roads
    districts: tuple[tuple[str, float, str, tuple[str, ...]], ...]


_P, _H, _B = Energy.PETROL, Energy.HYBRID, Energy.BEV
_PH = Energy.PHEV
NOW_ON = 9999

HONDA = BrandSpec("东风本田", 3, 100_000, ("LVH",), "W", 0.43, (420, 650), (
    ModelSpec("思域", _P, 10, (2016, NOW_ON), "FC163", "L15BN", ("240TURBO CVT 劲动版", "240TURBO CVT 燃擎版", "220TURBO 手动 劲擎版")),
    ModelSpec("CR-V", _P, 9, (2017, NOW_ON), "RW185", "L15BY", ("240TURBO CVT 两驱 都市版", "240TURBO CVT 四驱 尊耀版")),
    ModelSpec("CR-V", _H, 3, (2019, NOW_ON), "RT686", "LFB15", ("锐·混动 2.0L 两驱 净速版", "锐·混动 2.0L 四驱 尊贵版")),
    ModelSpec("XR-V", _P, 6, (2015, NOW_ON), "RU184", "L15BH", ("1.5L CVT 热潮版", "1.5L CVT 舒适版")),
    ModelSpec("艾力绅", _H, 2, (2019, NOW_ON), "RC584", "LFB11", ("锐·混动 2.0L 至尊版",)),
    ModelSpec("英仕派", _P, 2, (2019, NOW_ON), "CV386", "L15BE", ("1.5T 豪华版", "1.5T 旗舰版")),
    ModelSpec("享域", _P, 3, (2019, NOW_ON), "GK581", "L15BH", ("1.5L CVT 舒适版",), commercial=True),
    ModelSpec("e:NS1", _B, 1, (2022, NOW_ON), "RZ1E3", "TZ220XSY", ("极湃1 长续航版",)),
    ModelSpec("CR-V e:PHEV", _PH, 1, (2023, NOW_ON), "RS3P6", "LFB17", ("2.0L 智享版",)),
))  # fmt: skip
TOYOTA = BrandSpec("广汽丰田", 3, 100_000, ("LVG", "LFM"), "N", 0.34, (450, 700), (
    ModelSpec("凯美瑞", _P, 8, (2012, NOW_ON), "BA3FK", "M20C", ("2.0G 豪华版", "2.5G 豪华版", "2.0S 锋尚版")),
    ModelSpec("凯美瑞 双擎", _H, 3, (2015, NOW_ON), "BH3FK", "A25B", ("2.5HG 豪华版", "2.5HS 锋尚运动版"), commercial=True),
    ModelSpec("雷凌", _P, 6, (2014, NOW_ON), "BL1FE", "8NR", ("185T CVT 进取版", "1.5L CVT 领先版")),
    ModelSpec("雷凌 双擎", _H, 4, (2015, NOW_ON), "BH1FE", "2ZR", ("1.8H E-CVT 领先版", "1.8H E-CVT 豪华版"), commercial=True),
    ModelSpec("致炫", _P, 3, (2014, NOW_ON), "BX5AF", "M15A", ("1.5L CVT 领先版",), commercial=True),
    ModelSpec("汉兰达", _P, 3, (2015, 2021), "BU4GK", "8AR", ("2.0T 四驱 豪华版 7座",)),
    ModelSpec("汉兰达 双擎", _H, 3, (2022, NOW_ON), "BU5GK", "A25C", ("2.5L 双擎 四驱 豪华版 7座",)),
    ModelSpec("威兰达", _P, 3, (2020, NOW_ON), "BW3AK", "M20D", ("2.0L CVT 两驱 领先版",)),
    ModelSpec("锋兰达", _P, 3, (2022, NOW_ON), "BF3AK", "M20C", ("2.0L CVT 精英版",)),
    ModelSpec("赛那", _H, 1, (2021, NOW_ON), "BS8GK", "A25B", ("2.5L 混动 尊贵版",)),
    ModelSpec("威兰达 双擎+", _PH, 1, (2021, NOW_ON), "BW5PK", "A25A", ("2.5L 四驱 尊贵版",)),
))  # fmt: skip
BYD = BrandSpec("比亚迪", 6, 150_000, ("LGX", "LC0"), "S", 0.23, (380, 560), (
    ModelSpec("宋", _P, 4, (2016, 2019), "CD4C7", "BYD476ZQA", ("1.5T 手动 豪华型",)),
    ModelSpec("唐 DM", _PH, 2, (2015, 2020), "CF4CE", "BYD487ZQA", ("2.0T 四驱 旗舰型",)),
    ModelSpec("e5", _B, 2, (2016, 2021), "C24AB", "TYC90A", ("450 出行版",), commercial=True),
    ModelSpec("秦PLUS DM-i", _PH, 5, (2021, NOW_ON), "C14DM", "BYD472QA", ("55KM 领先型", "120KM 旗舰型")),
    ModelSpec("秦PLUS EV", _B, 4, (2021, NOW_ON), "C24EV", "TZ180XSF", ("500KM 出行版", "600KM 旗舰型"), commercial=True),
    ModelSpec("汉 EV", _B, 3, (2020, NOW_ON), "CE4EV", "TZ200XSU", ("610KM 四驱旗舰型", "506KM 尊贵型"), commercial=True),
    ModelSpec("汉 DM-i", _PH, 2, (2022, NOW_ON), "CE4DM", "BYD476ZQC", ("121KM 尊贵型",)),
    ModelSpec("宋PLUS DM-i", _PH, 4, (2021, NOW_ON), "CB4DM", "BYD472QA", ("110KM 旗舰型", "51KM 尊贵型")),
    ModelSpec("元PLUS", _B, 3, (2022, NOW_ON), "CA2EV", "TZ180XSG", ("510KM 领先型",)),
    ModelSpec("海豚", _B, 3, (2021, NOW_ON), "CA1EV", "TZ180XSE", ("420KM 时尚版",)),
    ModelSpec("海豹", _B, 1, (2022, NOW_ON), "CE3EV", "TZ220XYB", ("650KM 四驱性能版",)),
))  # fmt: skip
TRUMPCHI = BrandSpec("广汽传祺", 3, 100_000, ("LMG",), "G", 1.0, (400, 600), (
    ModelSpec("GS4", _P, 5, (2015, NOW_ON), "AA0S1", "4A15J1", ("270T 自动 豪华版",)),
    ModelSpec("GS8", _P, 3, (2017, NOW_ON), "GA8S2", "4B20J1", ("390T 两驱 豪华智联版",)),
    ModelSpec("M8", _P, 3, (2018, NOW_ON), "MA8M3", "4B20M1", ("390T 尊贵版",)),
    ModelSpec("影豹", _P, 2, (2021, NOW_ON), "YA1S4", "4A15J2", ("270T 影豹J16版",)),
    ModelSpec("E9", _PH, 1, (2024, NOW_ON), "EA9P5", "4A15J3", ("PHEV 宗师版",)),
))  # fmt: skip

DEMO = GroupSpec(
    code="DEMO",
    name="示范汽车集团",
    stores=(
        StoreSpec("SZ01", "深圳福田店", "深圳市福田区深南大道6008号福田汽车城A区", "0755-83451234",
                  "粤交运管许可深字440300012306号", "320.00", ("东风本田", "比亚迪")),
        StoreSpec("SZ02", "深圳南山店", "深圳市南山区沙河西路3011号白石洲汽车广场", "0755-26781234",
                  "粤交运管许可深字440300023517号", "300.00", ("广汽丰田", "比亚迪")),
    ),
    brands=(HONDA, TOYOTA, BYD),
    plate_prefix="粤B",
    city="深圳市",
    districts=(
        ("福田区", 18, "SZ01", ("深南大道", "福华路", "彩田路", "新洲路", "香蜜湖路")),
        ("南山区", 18, "SZ02", ("南海大道", "科技园路", "后海大道", "沙河西路", "前海路")),
        ("罗湖区", 10, "SZ01", ("人民南路", "东门中路", "宝安南路", "爱国路")),
        ("宝安区", 20, "SZ02", ("新安六路", "宝安大道", "创业一路", "建安一路")),
        ("龙岗区", 14, "SZ01", ("龙翔大道", "布吉路", "五和大道", "深惠路")),
        ("龙华区", 12, "SZ01", ("人民路", "民治大道", "梅龙路", "东环二路")),
        ("光明区", 3, "SZ02", ("光明大道", "华夏路")),
        ("坪山区", 2, "SZ01", ("坪山大道", "东纵路")),
        ("盐田区", 2, "SZ01", ("深盐路", "沙头角海景路")),
        ("大鹏新区", 1, "SZ01", ("葵涌中心路",)),
    ),
)  # fmt: skip
OTHER = GroupSpec(
    code="OTHER",
    name="另一汽车集团",
    stores=(
        StoreSpec("GZ01", "广州天河店", "广州市天河区黄埔大道中668号", "020-38812345",
                  "粤交运管许可穗字440100004821号", "280.00", ("广汽传祺",)),
    ),
    brands=(TRUMPCHI,),
    plate_prefix="粤A",
    city="广州市",
    districts=(
        ("天河区", 30, "GZ01", ("天河路", "黄埔大道", "中山大道")),
        ("越秀区", 15, "GZ01", ("环市东路", "东风中路")),
        ("海珠区", 15, "GZ01", ("新港中路", "江南大道")),
        ("白云区", 15, "GZ01", ("白云大道", "机场路")),
        ("番禺区", 15, "GZ01", ("市桥大道", "兴南大道")),
        ("黄埔区", 10, "GZ01", ("开创大道", "科学大道")),
    ),
)  # fmt: skip

# username, display name, role, home store, other stores worked in (code, role)
STAFF = (
    ("admin", "周志强", Role.ADMINISTRATOR, "SZ01", ()),
    ("sa1", "王丽", Role.SERVICE_ADVISOR, "SZ01", (("SZ02", Role.SERVICE_ADVISOR),)),
    ("foreman1", "刘建国", Role.FOREMAN, "SZ01", ()),
    ("tech1", "陈伟", Role.TECHNICIAN, "SZ01", ()),
    ("tech2", "黄俊杰", Role.TECHNICIAN, "SZ01", ()),
    ("qc1", "林海", Role.QC_INSPECTOR, "SZ01", ()),
    ("parts1", "张敏", Role.PARTS_CLERK, "SZ01", ()),
    ("cashier1", "李娜", Role.CASHIER, "SZ01", ()),
    ("care1", "吴婷", Role.CUSTOMER_CARE, "SZ01", ()),
    ("cm1", "郑晓燕", Role.CUSTOMER_MANAGER, "SZ01", ()),
    ("care2", "梁嘉怡", Role.CUSTOMER_CARE, "SZ02", ()),
    ("cm2", "邓志明", Role.CUSTOMER_MANAGER, "SZ02", ()),
    ("sales1", "杨帆", Role.SALES_CONSULTANT, "SZ01", ()),
    ("showroom1", "徐静", Role.SHOWROOM_MANAGER, "SZ01", ()),
    ("manager1", "孙国平", Role.SERVICE_MANAGER, "SZ01", (("SZ02", Role.SERVICE_MANAGER),)),
    ("sa9", "何伟", Role.SERVICE_ADVISOR, "GZ01", ()),
)
# The work mobiles of the staff who talk to customers: call scripts and texts give them ("your customer
# manager 郑晓燕 147…"); the others leave it empty and give the store's phone. 147 is a real mainland
# prefix the customers' numbers never use (MOBILE_PREFIXES), so no staff phone is a customer's.
WORK_PHONES = {
    "sa1": "14707550101",
    "care1": "14707550108",
    "cm1": "14707550109",
    "care2": "14707550208",
    "cm2": "14707550209",
    "sales1": "14707550110",
    "showroom1": "14707550111",
    "manager1": "14707550112",
    "sa9": "14702000101",
}


def _staff_of(role: str) -> dict[str, str]:
    """The demo's staff of a role by their home store: {username: store code}."""
    return {username: home for username, _name, r, home, _others in STAFF if r == role}


# --- People ----------------------------------------------------------------------------------------

# Surnames with roughly their share of the population (2020 census, a little more 陈/黄/林/梁 as in
# Guangdong), and a few compound surnames.
_SURNAMES = (
    "王71 李70 张67 刘55 陈60 杨31 黄35 赵23 吴20 周19 徐15 孙15 马14 朱13 胡13 郭12 何14 林18 "
    "罗10 高10 郑11 梁12 谢9 宋8 唐8 许7 韩7 冯7 邓9 曹6 彭6 曾8 肖6 田5 董5 袁5 潘5 于5 蒋5 "
    "蔡6 余5 杜4 叶6 程4 苏5 魏4 吕4 丁4 任4 沈4 姚3 卢4 钟5 姜3 崔3 谭4 陆3 范3 汪3 廖4 石3 "
    "金3 韦3 贾3 夏2 付2 方3 邹3 熊2 白2 孟2 秦2 邱3 侯2 江3 尹2 薛2 段2 雷2 龙2 黎3 史2 陶2 "
    "贺2 毛2 郝2 顾2 龚2 邵2 万1 覃2 武1 钱1 戴1 严1 莫2 孔1 向1 常1 欧阳3 司徒2 司马1 "
    "上官1 诸葛1"
)
SURNAMES: tuple[tuple[str, float], ...] = tuple(
    (m[1], float(m[2])) for m in (re.fullmatch(r"(\D+)([\d.]+)", token) for token in _SURNAMES.split())
)
_GIVEN = {
    (True, 1): "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林洋峰亮成坤晨东海",
    (False, 1): "芳娜敏静丽艳娟霞燕玲婷雪琳慧颖倩洁佳欣怡蕾萍红莉薇",
    (True, 2): "志强 建华 建国 文博 子轩 浩然 宇航 俊杰 志明 国平 家豪 振华 晓东 建军 海涛 永强 伟东 "
    "俊熙 嘉诚 泽宇 梓豪 文杰 明辉 志伟 子豪 浩宇 一鸣 锦荣 国栋 德华 伟明 志刚 少华 荣辉",
    (False, 2): "秀英 桂英 丽娟 晓燕 雨涵 思琪 欣怡 梦瑶 婉清 丽华 海燕 玉兰 美玲 晓婷 嘉欣 诗涵 "
    "紫萱 雅琪 佩琪 慧敏 淑芬 春梅 静怡 梓琳 晓琳 雪梅 凤霞 丽萍",
}
MOBILE_PREFIXES = (
    *range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 170, 176, 177, 178,
    *range(180, 190), 191, 198, 199,
)  # fmt: skip
OCCUPATIONS = (
    "教师", "医生", "护士", "软件工程师", "公务员", "企业管理", "个体经营", "销售经理", "会计",
    "律师", "设计师", "自由职业", "外贸业务员", "银行职员", "工厂主管", "退休",
)  # fmt: skip
COMMERCIAL_OCCUPATIONS = ("网约车司机", "出租车司机", "物流司机")
ESTATES = ("花园", "家园", "名苑", "华庭", "雅居", "新村", "广场", "公馆")
CUSTOMER_NOTES = (
    "喜欢周六上午来店，每次要求洗车。",
    "对价格较敏感，偏好保养套餐。",
    "家有两个小孩，关注安全配置，可推荐儿童座椅。",
    "老客户介绍来店，注意维护关系。",
    "曾投诉等待时间过长，已由服务经理处理，接待时优先安排。",
    "只接受微信联系，工作时间不便接电话。",
    "车辆主要由家人使用，预约时请与车主确认。",
)
VEHICLE_NOTES = (
    "车主要求使用全合成机油。",
    "已购买原厂延保至5年/15万公里。",
    "车内加装行车记录仪（非原厂）。",
    "旧件不带走，由店内处理。",
)
USAGE_NOTES = {
    Usage.COMMERCIAL: "网约车，要求快修，尽量当天交车。",
    Usage.COMPANY: "公司车辆，结算需开具增值税专用发票。",
}
COLOURS = (
    ("珍珠白", 4),
    ("曜石黑", 3),
    ("星月银", 2),
    ("钛金灰", 2),
    ("炫晶蓝", 1),
    ("烈焰红", 1),
    ("香槟金", 0.5),
)
INSURERS = (
    ("中国人保", 30, "PDAA"), ("平安保险", 30, "1050"), ("太平洋保险", 20, "ASZZ"), ("中华联合", 5, "ZHLH"),
    ("大地保险", 5, "DDBX"), ("阳光保险", 5, "YGBX"), ("国寿财险", 5, "GSCX"),
)  # fmt: skip

# --- Service history ---------------------------------------------------------------------------------

ICE_LIKE = (Energy.PETROL, Energy.DIESEL, Energy.HYBRID, Energy.PHEV)
# item, every km, energies, price range (CNY)
MAINTENANCE_ITEMS = (
    ("更换空气滤芯、空调滤芯", 20_000, ICE_LIKE, (180, 280)),
    ("更换空调滤芯", 20_000, (Energy.BEV,), (120, 200)),
    ("更换制动液", 40_000, (*ICE_LIKE, Energy.BEV), (280, 380)),
    ("更换变速箱油", 40_000, (Energy.PETROL,), (650, 900)),
    ("更换火花塞", 80_000, ICE_LIKE, (480, 780)),
    ("更换冷却液", 80_000, (*ICE_LIKE, Energy.BEV), (320, 520)),
)


def _any(brand: str, energy: str, km: int, age: int) -> bool:
    return True


# work added to a maintenance visit: what, price, when it makes sense (brand, energy, km, age in days)
ADD_ONS = (
    ("更换前刹车片", (450, 800), lambda b, e, km, age: km > 30_000),
    ("更换后刹车片", (400, 700), lambda b, e, km, age: km > 45_000),
    ("更换12V蓄电池", (550, 950), lambda b, e, km, age: age > 900),
    ("更换轮胎（2条）", (1200, 2200), lambda b, e, km, age: km > 35_000),
    ("四轮定位", (200, 320), _any),
    ("更换雨刮片", (120, 220), _any),
    ("空调系统清洗消毒", (280, 480), _any),
    ("发动机积碳清洗", (380, 680), lambda b, e, km, age: e != Energy.BEV and km > 30_000),
)
REPAIRS = (
    ("空调不制冷，添加冷媒并更换膨胀阀", (600, 1400), _any),
    ("底盘异响，更换前稳定杆连杆", (450, 900), lambda b, e, km, age: km > 40_000),
    ("充电指示灯亮，更换发电机", (1800, 3200), lambda b, e, km, age: e in ICE_LIKE and age > 1800),
    ("冷却液泄漏，更换水泵", (900, 1600), lambda b, e, km, age: e in ICE_LIKE and km > 60_000),
    ("过减速带异响，更换前减震器（两只）", (1800, 3200), lambda b, e, km, age: km > 80_000),
    ("发动机故障灯亮，更换氧传感器", (700, 1300), lambda b, e, km, age: e in ICE_LIKE and km > 50_000),
    ("车门关闭异响，调整车门铰链并润滑", (150, 300), _any),
    ("加装原厂行车记录仪", (600, 1200), _any),
)
WARRANTY_REPAIRS = (
    ("空调不制冷，更换压缩机（保修）", (3500, 6000), _any),
    ("多媒体主机黑屏，更换主机（保修）", (2500, 4800), _any),
    ("前减震器漏油，更换减震器（保修）", (1500, 2600), _any),
    ("车窗升降器异响，更换升降器（保修）", (600, 1100), _any),
    ("方向盘回正异响，更换转向机总成（保修）", (4000, 7000), _any),
    ("机油液面升高，按厂家技术通报升级发动机程序并更换机油（保修）", (600, 900),
     lambda b, e, km, age: b == "东风本田" and e == Energy.PETROL),
    ("动力电池管理系统报警，更换BMS控制模块（保修）", (3000, 8000), lambda b, e, km, age: e in NEV),
    ("无法交流充电，更换车载充电机（保修）", (3000, 6000), lambda b, e, km, age: e in NEV),
)  # fmt: skip
ACCIDENTS = (
    ("右前翼子板、前保险杠钣金喷漆（{insurer}理赔）", (2500, 5500)),
    ("追尾事故：更换后保险杠、左后尾灯（{insurer}理赔）", (3500, 8000)),
    ("左侧车门刮擦，钣金喷漆（{insurer}理赔）", (1800, 3800)),
    ("前挡风玻璃破裂，更换玻璃（{insurer}理赔）", (1500, 4500)),
    ("台风暴雨涉水熄火，发动机拆检（{insurer}理赔）", (8000, 26000)),
)
CAMPAIGNS = (
    ("召回：更换燃油泵（厂家召回，免费）", (800, 1500), lambda b, e, km, age: e in ICE_LIKE),
    ("召回：更换驾驶员侧安全气囊气体发生器（厂家召回，免费）", (600, 1200), _any),
    ("服务活动：免费升级车机系统软件", (0, 0), _any),
)
FREE_CHECKS = (
    "免费检测：夏季空调检测活动",
    "免费检测：雨季底盘与刹车安全检查",
    "免费检测：冬季安全检查，免费洗车",
)

# How each kind of customer behaves. Ages and gaps in days before today.
PROFILES = {
    # comes every few months, pays: the loyal tier
    "loyal": {"age": (540, 3300), "last": (5, 60), "interval": (70, 115)},
    # comes about twice a year: opportunity
    "regular": {"age": (500, 3300), "last": (10, 150), "interval": (170, 330)},
    # bought this year: opportunity
    "new": {"age": (20, 330), "interval": (150, 200)},
    # stopped paying for service 7-30 months ago, still comes for warranty or free items: marginal
    "marginal": {"age": (550, 3300), "last": (200, 900), "interval": (150, 330)},
    # not back for over three years: lost
    "lost": {"age": (1400, 3450), "last": (1130, None), "interval": (150, 400)},
}
# 15% loyal, 15% new + 20% regular = 35% opportunity, 30% marginal, 20% lost
PROFILE_BLOCK = ("loyal",) * 3 + ("new",) * 3 + ("regular",) * 4 + ("marginal",) * 6 + ("lost",) * 4

FOLLOW_UPS = (
    "保养后回访：客户对服务满意，已提醒下次保养时间和里程。",
    "维修后回访：客户表示问题已解决，对技师的讲解很满意。",
    "回访：客户反映等待时间偏长（约2小时），已向服务经理反馈。",
    "回访：客户对洗车质量不太满意，已致歉并约定下次免费精洗。",
    "回访电话未接通，已发短信感谢到店并留下服务热线。",
    "回访：客户满意，并推荐了一位朋友来店看车。",
)
SERVICE_TOUCHES = (  # service reminders: need no marketing consent
    ("phone", "定保提醒：距上次保养已近半年，客户预约本周六上午到店。"),
    ("wechat", "年检提醒：车辆年检即将到期，已告知所需资料，客户表示会按时办理。"),
)
MARKETING_TOUCHES = (  # marketing: only for customers who consented (PIPL)
    ("wechat", "续保提醒：交强险和商业险下月到期，客户表示会比较报价后答复。"),
    ("sms", "生日祝福短信，附赠免费洗车券一张。"),
    ("visit", "上门拜访，赠送车载香薰，了解用车情况，客户暂无维修需求。"),
    ("wechat", "邀请参加周末自驾游活动，客户有兴趣，待确认人数。"),
)
LOST_TOUCHES = (
    ("phone", "流失客户回访：客户近年在外地工作，车辆在当地保养；已邀请回深后参加免费检测活动。"),
    ("phone", "流失客户回访：客户对上次维修报价有意见，已解释收费明细并赠送保养优惠券。"),
    ("phone", "流失客户回访：电话为空号，需核实新的联系方式。"),
)
INBOUND = (
    ("phone", "客户来电咨询大保养价格，已报价并预约下周二上午到店。"),
    ("wechat", "客户微信咨询仪表盘胎压灯亮，已指导检查胎压并建议到店检测。"),
)


# --- The plan ------------------------------------------------------------------------------------


@dataclass
class PlannedCustomer:
    profile: str
    name: str
    male: bool
    fields: dict = field(default_factory=dict)
    consent: bool = False
    consent_how: str = ""
    store_code: str = ""
    opened_at: datetime | None = None
    record: Customer | None = None


@dataclass
class PlannedVisit:
    at: datetime
    slot: str  # first, maintenance, repair, warranty, accident, campaign, free
    owner: PlannedCustomer
    km: int = 0
    kind: str = ""
    summary: str = ""
    paid: int = 0
    covered: int = 0
    store_code: str = ""
    reference: str = ""


@dataclass
class PlannedVehicle:
    owner: PlannedCustomer
    brand: BrandSpec
    model: ModelSpec
    usage: str
    purchase: date
    selling_store: str | None
    service_store: str
    rate: float  # km per day
    fields: dict = field(default_factory=dict)
    start_km: int = 0
    opened_at: datetime | None = None
    visits: list[PlannedVisit] = field(default_factory=list)
    transfer: tuple[date, PlannedCustomer] | None = None
    record: Vehicle | None = None


@dataclass
class PlannedContact:
    customer: PlannedCustomer
    by: str  # username
    kind: str
    summary: str
    at: datetime
    direction: str = "out"


@dataclass
class GroupPlan:
    spec: GroupSpec
    customers: list[PlannedCustomer]
    vehicles: list[PlannedVehicle]
    contacts: list[PlannedContact]
    withdrawals: list[PlannedCustomer]


def _at(day: date, rng: random.Random, hours: tuple[int, int] = (8, 17)) -> datetime:
    return datetime.combine(day, time(rng.randint(*hours), rng.choice((0, 10, 20, 30, 40, 50))), tzinfo=TZ)


def _pick(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _money(rng: random.Random, span: tuple[int, int]) -> int:
    low, high = span
    return round(rng.randint(low, high), -1) if high else 0


class Planner:
    """Plans one group's customers, vehicles and history, from one random generator."""

    def __init__(self, spec: GroupSpec, rng: random.Random, today: date, used: dict[str, set]):
        self.spec, self.rng, self.today, self.used = spec, rng, today, used
        self.brand_stores = {b.name: [s.code for s in spec.stores if b.name in s.brands] for b in spec.brands}

    # customers

    def person(self, profile: str) -> PlannedCustomer:
        rng = self.rng
        male = rng.random() < 0.62
        surname = rng.choices([s for s, _ in SURNAMES], [w for _, w in SURNAMES])[0]
        given = rng.choice(_GIVEN[male, 1] if rng.random() < 0.35 else _GIVEN[male, 2].split())
        return PlannedCustomer(profile=profile, name=surname + given, male=male)

    def mobile(self) -> str:
        while True:
            number = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if number not in self.used["mobile"]:
                self.used["mobile"].add(number)
                return number

    def finish_customer(self, c: PlannedCustomer, first: PlannedVehicle | None, district: tuple) -> None:
        """Fill in the customer's file from who they are and what they drive."""
        rng, today = self.rng, self.today
        pinyin = "".join(lazy_pinyin(c.name))
        born = today.year - rng.choices((25, 32, 40, 48, 58), (15, 30, 28, 17, 10))[0] - rng.randint(0, 6)
        f = {
            "name": c.name,
            "title": Title.MR if c.male else Title.MS,
            "mobile": self.mobile(),
            "region": self.spec.city + district[0],
        }
        f["preferred_time"] = _pick(rng, [(PreferredTime.ANY, 35), (PreferredTime.MORNING, 15),
                                          (PreferredTime.NOON, 10), (PreferredTime.AFTERNOON, 20),
                                          (PreferredTime.EVENING, 20)])  # fmt: skip
        if rng.random() < 0.5:
            f["wechat"] = rng.choice((f"{pinyin}{born % 100:02d}", f"{pinyin}_{rng.randint(1, 999)}",
                                      "wxid_" + "".join(rng.choices("abcdefghjkmnpqrstuvwxyz0123456789", k=14))))  # fmt: skip
        if rng.random() < 0.25:
            f["email"] = rng.choice((f"{rng.randint(10**5, 10**10)}@qq.com", f"{pinyin}{born}@163.com",
                                     f"{pinyin}{rng.randint(1, 99)}@126.com", f"{pinyin}@foxmail.com"))  # fmt: skip
        if rng.random() < 0.15:
            f["phone2"] = rng.choice((f"{'0755' if self.spec.city == '深圳市' else '020'}-8{rng.randrange(10**6, 10**7)}",
                                      self.mobile()))  # fmt: skip
        channels = [(Channel.PHONE, 40), (Channel.SMS, 15)]
        channels += [(Channel.WECHAT, 60)] if f.get("wechat") else []
        channels += [(Channel.EMAIL, 10)] if f.get("email") else []
        f["preferred_channel"] = _pick(rng, channels)
        commercial = first is not None and first.usage == Usage.COMMERCIAL
        f["occupation"] = rng.choice(COMMERCIAL_OCCUPATIONS if commercial else OCCUPATIONS)
        if born > today.year - 30 and f["occupation"] == "退休":
            f["occupation"] = "企业职员"
        if rng.random() < 0.35:
            f["address"] = (f"{self.spec.city}{district[0]}{rng.choice(district[3])}{rng.randint(1, 3999)}号"
                            f"{rng.choice('金碧翠锦华丽嘉')}{rng.choice('城苑湾园海山')}{rng.choice(ESTATES)}"
                            f"{rng.randint(1, 12)}栋{rng.randint(2, 32)}{rng.randint(1, 8):02d}")  # fmt: skip
        if c.profile == "buyer":
            f["source"] = rng.choice((Source.REFERRAL, Source.WALK_IN))
            f["notes"] = "二手车购入，原车主也是本店客户。"
        elif first is not None and first.selling_store:
            f["source"] = Source.NEW_CAR_SALE if rng.random() < 0.85 else Source.REFERRAL
        else:
            f["source"] = _pick(rng, [(Source.WALK_IN, 35), (Source.PHONE, 15), (Source.WEB, 20),
                                      (Source.EVENT, 10), (Source.REFERRAL, 20)])  # fmt: skip
        if rng.random() < 0.7:
            f["birthday"] = date(born, rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.5:
            f["behaviour_type"] = rng.choice(
                (BehaviourType.DOMINANT, BehaviourType.ANALYTICAL, BehaviourType.SOCIAL)
            )
        if "notes" not in f and rng.random() < 0.2:
            f["notes"] = rng.choice(CUSTOMER_NOTES)
        c.fields = f
        c.consent = rng.random() < 0.6
        c.consent_how = rng.choice(("购车时签署个人信息授权书", "到店登记时签署授权书", "微信公众号在线授权"))
        c.store_code = first.service_store if first else self.spec.stores[0].code

    # vehicles

    def vehicle(self, owner: PlannedCustomer, profile: str, district: tuple) -> PlannedVehicle:
        rng, today = self.rng, self.today
        usage = _pick(rng, {
            "loyal": [(Usage.PRIVATE, 55), (Usage.COMPANY, 15), (Usage.COMMERCIAL, 30)],
            "marginal": [(Usage.PRIVATE, 82), (Usage.COMPANY, 10), (Usage.COMMERCIAL, 8)],
            "lost": [(Usage.PRIVATE, 85), (Usage.COMPANY, 10), (Usage.COMMERCIAL, 5)],
            "new": [(Usage.PRIVATE, 85), (Usage.COMPANY, 10), (Usage.COMMERCIAL, 5)],
        }.get(profile, [(Usage.PRIVATE, 88), (Usage.COMPANY, 12)]))  # fmt: skip
        low, high = PROFILES[profile]["age"]
        if usage == Usage.COMMERCIAL:  # ride-hailing cars retire after about five years
            high = min(high, 1800)
            low = min(low, high)
        purchase = today - timedelta(days=rng.randint(low, high))
        options = [
            (b, m, b.weight * m.weight)
            for b in self.spec.brands
            for m in b.models
            if m.years[0] <= purchase.year <= m.years[1]
        ]
        if usage == Usage.COMMERCIAL:  # taxis and ride-hailing cars are a few models
            options = [o for o in options if o[1].commercial] or options
        brand, model, _w = rng.choices(options, [o[2] for o in options])[0]
        stores = self.brand_stores[brand.name]
        near = district[2] if district[2] in stores else stores[0]
        service_store = near if rng.random() < 0.8 else rng.choice(stores)
        selling = service_store if rng.random() < 0.88 else None
        interval = PROFILES[profile]["interval"]
        if usage == Usage.COMMERCIAL:
            rate = rng.uniform(150, 250)
        elif usage == Usage.COMPANY:
            rate = rng.uniform(40, 70)
        else:
            rate = rng.uniform(5000, 8000) / (sum(interval) / 2)
        v = PlannedVehicle(owner=owner, brand=brand, model=model, usage=usage, purchase=purchase,
                           selling_store=selling, service_store=service_store, rate=rate)  # fmt: skip
        self.schedule(v, profile)
        if not v.visits and v.selling_store is None:
            v.selling_store = v.service_store  # a file with no visit was opened when the car was sold
        self.describe(v)
        return v

    def schedule(self, v: PlannedVehicle, profile: str) -> None:
        """Choose the visit dates (the kinds of visit, not yet their content)."""
        rng, today, p = self.rng, self.today, PROFILES[profile]
        purchase, owner = v.purchase, v.owner
        commercial = v.usage == Usage.COMMERCIAL
        step = (
            (int(9000 / v.rate), int(12000 / v.rate))
            if commercial and profile in ("loyal", "new")
            else p["interval"]
        )
        dates: list[tuple[date, str]] = []
        first_service = purchase + timedelta(days=rng.randint(40, 100) if not commercial else 20)
        if profile == "new":
            d = first_service
            while d <= today - timedelta(days=3):
                dates.append((d, "first" if not dates else "maintenance"))
                d += timedelta(days=rng.randint(*step))
        elif not (profile == "lost" and rng.random() < 0.12):  # some lost customers never came back at all
            age = (today - purchase).days
            high = p["last"][1] or max(p["last"][0] + 1, age - 160)
            d = today - timedelta(days=rng.randint(p["last"][0], min(high, age - 160)))
            while d > first_service + timedelta(days=45):
                dates.append((d, "maintenance"))
                d -= timedelta(days=rng.randint(*step))
            if v.selling_store or rng.random() < 0.5:  # the first service may have been done elsewhere
                dates.append((first_service, "first"))
            dates.sort()
        if not dates:
            v.visits = []
            return
        first, last = dates[0][0], dates[-1][0]
        paid_until = last if profile == "loyal" else min(last, today - timedelta(days=400))
        free_until = {"lost": last, "marginal": today - timedelta(days=20)}.get(
            profile, max(last, today - timedelta(days=3))
        )
        warranty_end = add_years(purchase, v.brand.warranty_years)

        def somewhere(until: date) -> date | None:
            span = (until - first).days - 2
            return first + timedelta(days=rng.randint(1, span)) if span > 1 else None

        extras = [
            ("warranty", min(free_until, warranty_end), 0.3),
            ("accident", free_until, 0.18),
            ("repair", paid_until, 0.6 if profile == "loyal" else 0.35),
            ("campaign", free_until, 0.12),
            ("free", free_until, 0.15),
        ]
        if profile == "marginal":  # only warranty or free items since the last paid visit
            extras.append(("free", free_until, 0.5))
        taken = {d for d, _ in dates}
        for slot, until, chance in extras:
            if rng.random() < chance and (d := somewhere(until)) and d not in taken:
                taken.add(d)
                dates.append((d, slot))
        dates.sort()
        v.visits = [PlannedVisit(at=_at(d, rng, (8, 11)), slot=slot, owner=owner) for d, slot in dates]

    def transfer(self, v: PlannedVehicle, buyer: PlannedCustomer) -> None:
        """The car is sold on (二手车过户) to a buyer who then services it here."""
        rng, today = self.rng, self.today
        on = today - timedelta(days=rng.randint(200, 330))
        v.transfer = (on, buyer)
        d = on + timedelta(days=rng.randint(10, 40))
        while d <= today - timedelta(days=3):
            v.visits.append(PlannedVisit(at=_at(d, rng, (8, 11)), slot="maintenance", owner=buyer))
            d += timedelta(days=rng.randint(150, 200))
        self.describe(v)

    def describe(self, v: PlannedVehicle) -> None:
        """Mileage, work done, amounts and store of every visit, in date order; the vehicle's file."""
        rng = self.rng
        v.visits.sort(key=lambda x: x.at)
        self.vehicle_file(v)
        if v.start_km == 0:
            v.start_km = rng.randint(5, 40)
        km, prev = v.start_km, v.purchase
        last_done = dict.fromkeys((m[0] for m in MAINTENANCE_ITEMS), 0)
        brand, energy = v.brand.name, v.model.energy
        for visit in v.visits:
            day = visit.at.date()
            km += int(v.rate * (day - prev).days * rng.uniform(0.8, 1.2))
            prev, age = day, (day - v.purchase).days
            visit.km = km
            visit.store_code = v.service_store
            if rng.random() < 0.08 and len(self.brand_stores[brand]) > 1:
                visit.store_code = rng.choice(self.brand_stores[brand])
            in_warranty = age < v.brand.warranty_years * 365 and km < v.brand.warranty_km
            visit.paid = visit.covered = 0
            slot = "free" if visit.slot == "warranty" and not in_warranty else visit.slot
            if slot == "first":
                visit.kind = ServiceRecord.Kind.MAINTENANCE
                work = "三电系统检测，全车检查" if energy == Energy.BEV else "更换机油机滤，全车检测"
                visit.summary = f"首次保养（厂家免费）：{work}"
                visit.covered = v.brand.service_price[0]
                for item in last_done:
                    last_done[item] = km
            elif slot == "maintenance":
                visit.kind = ServiceRecord.Kind.MAINTENANCE
                if energy == Energy.BEV:
                    summary, price = "常规保养：三电系统检测，底盘检查", rng.randint(18, 32) * 10
                else:
                    summary, price = "更换机油机滤，常规保养", _money(rng, v.brand.service_price)
                items = []
                for item, every, energies, span in MAINTENANCE_ITEMS:
                    if energy in energies and km - last_done[item] >= every * 0.9:
                        items.append(item)
                        price += _money(rng, span)
                        last_done[item] = km
                if items:
                    summary += "；" + "、".join(items)
                if rng.random() < (0.4 if v.owner.profile == "loyal" else 0.15):
                    extra, span, _ok = rng.choice([a for a in ADD_ONS if a[2](brand, energy, km, age)])
                    summary += f"；另{extra}"
                    price += _money(rng, span)
                visit.summary, visit.paid = summary, price
            elif slot == "repair":
                visit.kind = ServiceRecord.Kind.REPAIR
                visit.summary, span, _ok = rng.choice([r for r in REPAIRS if r[2](brand, energy, km, age)])
                visit.paid = _money(rng, span)
            elif slot == "warranty":
                visit.kind = ServiceRecord.Kind.WARRANTY
                visit.summary, span, _ok = rng.choice(
                    [r for r in WARRANTY_REPAIRS if r[2](brand, energy, km, age)]
                )
                visit.covered = _money(rng, span)
            elif slot == "accident":
                visit.kind = ServiceRecord.Kind.ACCIDENT
                text, span = rng.choice(ACCIDENTS)
                visit.summary = text.format(insurer=v.fields.get("insurance_company") or "保险公司")
                visit.covered = _money(rng, span)
            elif slot == "campaign":
                visit.kind = ServiceRecord.Kind.CAMPAIGN
                visit.summary, span, _ok = rng.choice([c for c in CAMPAIGNS if c[2](brand, energy, km, age)])
                visit.covered = _money(rng, span)
            else:
                visit.kind = ServiceRecord.Kind.FREE
                visit.summary = rng.choice(FREE_CHECKS)

    def vehicle_file(self, v: PlannedVehicle) -> None:
        """VIN, plate and the other fields of the vehicle file; the insurance as last known."""
        rng, today = self.rng, self.today
        if not v.fields:
            model_year = v.purchase.year + (1 if v.purchase.month >= 10 and rng.random() < 0.4 else 0)
            registration = min(v.purchase + timedelta(days=rng.randint(3, 10)), today)
            v.fields = {
                "vin": self.vin(rng.choice(v.brand.wmis), v.model.vds, model_year, v.brand.plant),
                "plate": self.plate(v.model.energy),
                "brand_name": v.brand.name,
                "model": v.model.name,
                "trim": rng.choice(v.model.trims),
                "colour": _pick(rng, COLOURS),
                "engine_no": f"{v.model.engine}{rng.randrange(10**6, 10**7)}",
                "energy": v.model.energy,
                "purchase_date": v.purchase,
                "registration_date": registration,
                "usage": v.usage,
                "inspection_due": self.inspection_due(registration, v.usage),
            }
            if v.usage in USAGE_NOTES and rng.random() < 0.6:
                v.fields["notes"] = USAGE_NOTES[v.usage]
            elif rng.random() < 0.12:
                v.fields["notes"] = rng.choice(VEHICLE_NOTES)
            if rng.random() < 0.88:
                v.fields["insurance_company"] = _pick(rng, [(name, w) for name, w, _ in INSURERS])
        insurer = v.fields.get("insurance_company")
        if not insurer:
            return
        # The policy runs a year from the purchase anniversary; we know the one they had when we
        # last saw the car (long expired for a customer who stopped coming).
        last_seen = max([v.purchase] + [x.at.date() for x in v.visits])
        known_until = last_seen if (today - last_seen).days > 200 else today - timedelta(days=15)
        expiry = v.purchase
        while expiry <= known_until:
            expiry = add_years(expiry, 1)
        prefix = next(p for name, _, p in INSURERS if name == insurer)
        serial = int(v.fields["vin"][-6:]) * 7919 % 10**8
        v.fields["insurance_policy_no"] = f"{prefix}{add_years(expiry, -1).year}440300{serial:08d}"
        v.fields["insurance_expiry"] = expiry

    def inspection_due(self, registered: date, usage: str) -> date:
        """年检: private and company cars every two years in their first ten, commercial ones yearly."""
        years = step = 1 if usage == Usage.COMMERCIAL else 2
        while add_years(registered, years) < self.today - timedelta(days=10):
            years += step if years < 10 else 1
        return add_years(registered, years)

    def vin(self, wmi: str, vds: str, model_year: int, plant: str) -> str:
        codes = "ABCDEFGHJKLMNPRSTVWXY123456789"  # model year 2010 = A, 30-year cycle
        while True:
            body = f"{wmi}{vds}0{codes[(model_year - 2010) % 30]}{plant}{self.rng.randrange(10**6):06d}"
            vin = body[:8] + vin_check_digit(body) + body[9:]
            if vin not in self.used["vin"]:
                self.used["vin"].add(vin)
                return vin

    def plate(self, energy: str) -> str:
        rng, digits, letters = self.rng, "0123456789", "ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            if energy in NEV:  # 粤BD12345 (battery), 粤BF12345 (plug-in hybrid)
                second = rng.choice(letters) if rng.random() < 0.15 else rng.choice(digits)
                body = ("D" if energy == Energy.BEV else "F") + second + "".join(rng.choices(digits, k=4))
            else:
                shape = _pick(rng, [("DDDDD", 35), ("LDDDD", 30), ("DLDDD", 10), ("LLDDD", 10),
                                    ("DDDDL", 10), ("DDDLL", 5)])  # fmt: skip
                body = "".join(rng.choice(letters if c == "L" else digits) for c in shape)
            plate = self.spec.plate_prefix + body
            if plate not in self.used["plate"]:
                self.used["plate"].add(plate)
                return plate

    # the whole group

    def plan(self, count: int, *, buyers: int, staff: bool) -> GroupPlan:
        rng = self.rng
        profiles: list[str] = []
        while len(profiles) < count - buyers:
            block = list(PROFILE_BLOCK)
            rng.shuffle(block)
            profiles += block
        customers, vehicles = [], []
        for profile in profiles[: count - buyers]:
            c = self.person(profile)
            district = _pick(rng, [(d, d[1]) for d in self.spec.districts])
            # one car for new and regular customers: a second car's visits would make them loyal
            n = 1 if profile in ("new", "regular") else rng.choices((1, 2, 3), (64, 27, 9))[0]
            own = [self.vehicle(c, profile, district) for _ in range(n)]
            self.finish_customer(c, own[0], district)
            customers.append(c)
            vehicles += own
        donors = [v for v in vehicles if v.owner.profile == "lost" and v.visits][:buyers]
        for v in donors:
            buyer = self.person("buyer")
            self.transfer(v, buyer)
            self.finish_customer(buyer, None, _pick(rng, [(d, d[1]) for d in self.spec.districts]))
            buyer.store_code = v.service_store
            buyer.opened_at = _at(v.transfer[0], rng, (10, 16))
            customers.append(buyer)
        for v in vehicles:
            if v.selling_store:
                v.opened_at = _at(v.purchase, rng, (14, 17))
            else:  # bought elsewhere: the file was opened at the first visit
                v.opened_at = v.visits[0].at - timedelta(minutes=20)
                v.start_km = v.visits[0].km
            if v.owner.opened_at is None or v.opened_at < v.owner.opened_at:
                v.owner.opened_at = v.opened_at
        self.number(vehicles)
        if not staff:
            return GroupPlan(self.spec, customers, vehicles, [], [])
        # A customer manager owns 150-250 customers (seed 003), of the store where they work: each
        # store's manager most of its customers (the others are the balancing tool's to give).
        for username, store in _staff_of(Role.CUSTOMER_MANAGER).items():
            theirs = [c for c in customers if c.store_code == store]
            for c in rng.sample(theirs, k=round(len(theirs) * 0.9)):
                c.fields["customer_manager"] = username
        withdrawals = [c for c in customers[5::60] if c.consent][:3]  # consent later withdrawn
        return GroupPlan(self.spec, customers, vehicles, self.contacts(customers, vehicles), withdrawals)

    def number(self, vehicles: list[PlannedVehicle]) -> None:
        """Repair-order numbers RO-<store>-<year>-<6 digits>, in date order per store and year."""
        counters: dict[tuple[str, int], int] = {}
        for visit in sorted((x for v in vehicles for x in v.visits), key=lambda x: x.at):
            key = (visit.store_code, visit.at.year)
            counters[key] = counters.get(key, 0) + self.rng.randint(3, 12)  # other orders in between
            visit.reference = f"RO-{key[0]}-{key[1]}-{counters[key]:06d}"

    def contacts(
        self, customers: list[PlannedCustomer], vehicles: list[PlannedVehicle]
    ) -> list[PlannedContact]:
        rng, today = self.rng, self.today
        care = {store: username for username, store in _staff_of(Role.CUSTOMER_CARE).items()}
        out = []
        for v in vehicles:
            for visit in v.visits:
                days = (today - visit.at.date()).days
                if 3 <= days <= 400 and visit.kind != ServiceRecord.Kind.FREE and rng.random() < 0.4:
                    when = _at(visit.at.date() + timedelta(days=rng.randint(1, 2)), rng, (10, 17))
                    kind = "phone" if rng.random() < 0.8 else "wechat"
                    by = care.get(visit.store_code, "care1")  # the care agent of the store that served
                    out.append(PlannedContact(visit.owner, by, kind, rng.choice(FOLLOW_UPS), when))
        for c in customers:
            when = _at(today - timedelta(days=rng.randint(5, 300)), rng, (9, 18))
            owner = c.fields.get("customer_manager") or care.get(c.store_code, "care1")
            if c.profile == "lost" and rng.random() < 0.4:  # re-developing lost customers (seed 003)
                kind, text = rng.choice(LOST_TOUCHES)
                out.append(PlannedContact(c, owner, kind, text, when))
            elif rng.random() < 0.35:
                touches = MARKETING_TOUCHES if c.consent else SERVICE_TOUCHES
                touches = [t for t in touches if "生日" not in t[1] or c.fields.get("birthday")]
                kind, text = rng.choice(touches)
                out.append(PlannedContact(c, owner, kind, text, when))
            if rng.random() < 0.08:
                kind, text = rng.choice(INBOUND)
                out.append(PlannedContact(c, "sa1", kind, text, when - timedelta(days=3), direction="in"))
        return [x for x in out if x.at.date() >= x.customer.opened_at.date()]


# --- Writing it ------------------------------------------------------------------------------------


def _organisation(spec: GroupSpec) -> tuple[DealerGroup, dict[str, Store], dict[str, Brand]]:
    group = DealerGroup.objects.create(code=spec.code, name=spec.name)
    brands = {
        b.name: Brand.objects.create(
            group=group, name=b.name, warranty_years=b.warranty_years, warranty_km=b.warranty_km
        )
        for b in spec.brands
    }
    stores = {}
    for s in spec.stores:
        store = Store.objects.create(
            group=group, code=s.code, name=s.name, address=s.address, phone=s.phone,
            licence_no=s.licence_no, labor_rate=Decimal(s.labor_rate), time_zone="Asia/Shanghai",
        )  # fmt: skip
        store.brands.set([brands[name] for name in s.brands])
        stores[s.code] = store
    SegmentationRules.objects.create(group=group)
    return group, stores, brands


def _staff(stores: dict[str, Store]) -> dict[str, User]:
    password = make_password(DEMO_PASSWORD)  # hashed once: Argon2 is slow on purpose
    users = {}
    for username, name, role, home, others in STAFF:
        if home not in stores:
            continue
        is_admin = role == Role.ADMINISTRATOR
        user = User(
            username=username, display_name=name, last_name=name[0], first_name=name[1:],
            email=f"{username}@example.com", group=stores[home].group, home_store=stores[home],
            language=User.Language.ZH_HANS, is_staff=is_admin, password=password,
            phone=WORK_PHONES.get(username, ""),
        )  # fmt: skip
        user.save()
        StoreMembership.objects.create(user=user, store=stores[home], role=role)
        for code, other_role in others:
            StoreMembership.objects.create(user=user, store=stores[code], role=other_role)
        users[username] = user
    return users


def _write(
    plan: GroupPlan, stores: dict[str, Store], brands: dict[str, Brand], users: dict[str, User]
) -> None:
    sa = users["sa9"] if "sa9" in users else users["sa1"]
    tenants: dict[str, Tenant] = {code: resolve_tenant(sa, code) for code in stores}
    with set_actor(sa):
        for c in plan.customers:
            fields = dict(c.fields)
            manager = fields.pop("customer_manager", None)
            if manager:
                fields["customer_manager_id"] = users[manager].pk
            c.record = customer_create(
                tenant=tenants[c.store_code], marketing_consent=c.consent, consent_how=c.consent_how, **fields
            ).record
        for v in plan.vehicles:
            fields = dict(v.fields)
            fields["brand_id"] = brands[fields.pop("brand_name")].pk
            fields["selling_store_id"] = stores[v.selling_store].pk if v.selling_store else None
            v.record = vehicle_create(
                tenant=tenants[v.service_store], owner_id=v.owner.record.pk, mileage_km=v.start_km, **fields
            ).record

    # The history, bulk-inserted, and the files backdated to when they were opened.
    records, readings = [], []
    for v in plan.vehicles:
        for x in v.visits:
            records.append(ServiceRecord(
                vehicle=v.record, customer=x.owner.record, store=stores[x.store_code], date=x.at.date(),
                mileage_km=x.km, kind=x.kind, summary=x.summary, amount_paid=Decimal(x.paid),
                amount_covered=Decimal(x.covered), reference=x.reference,
            ))  # fmt: skip
            readings.append(MileageReading(
                vehicle=v.record, km=x.km, read_at=x.at, source=MileageReading.Source.SERVICE,
                note=x.reference, by=sa,
            ))  # fmt: skip
    ServiceRecord.objects.bulk_create(records, batch_size=500)
    MileageReading.objects.bulk_create(readings, batch_size=500)
    opened = {v.record.pk: v.opened_at for v in plan.vehicles}
    first_readings = list(
        MileageReading.objects.filter(vehicle_id__in=opened, source=MileageReading.Source.REGISTRATION)
    )
    for r in first_readings:
        r.read_at = opened[r.vehicle_id]
    MileageReading.objects.bulk_update(first_readings, ["read_at"], batch_size=500)
    # The history was entered when it happened, not when the demo was loaded.
    MileageReading.objects.filter(vehicle_id__in=opened).update(recorded_at=F("read_at"))
    for v in plan.vehicles:
        last = v.visits[-1] if v.visits else None
        v.record.mileage_km = last.km if last else v.start_km
        v.record.mileage_read_at = last.at if last else v.opened_at
        v.record.created_at = v.opened_at
    Vehicle.objects.bulk_update(
        [v.record for v in plan.vehicles], ["mileage_km", "mileage_read_at", "created_at"], batch_size=500
    )
    by_customer = {c.record.pk: c for c in plan.customers}
    for c in plan.customers:
        c.record.created_at = c.opened_at
        if c.consent:
            c.record.consent_changed_at = c.opened_at
    Customer.objects.bulk_update(
        [c.record for c in plan.customers], ["created_at", "consent_changed_at"], batch_size=500
    )
    events = list(ConsentEvent.objects.filter(customer_id__in=by_customer))
    for e in events:
        e.at = by_customer[e.customer_id].opened_at
    ConsentEvent.objects.bulk_update(events, ["at"], batch_size=500)

    # Through the services again: cars sold on, contacts, consent withdrawn.
    with set_actor(sa):
        for v in plan.vehicles:
            if v.transfer:
                on, buyer = v.transfer
                vehicle_transfer(
                    tenant=tenants[v.service_store], vehicle_id=v.record.pk, new_owner_id=buyer.record.pk,
                    on_date=on, note="二手车过户",
                )  # fmt: skip
    for username in users:  # in the order of STAFF
        if not any(x.by == username for x in plan.contacts):
            continue
        tenant = resolve_tenant(users[username])
        with set_actor(users[username]):
            for x in plan.contacts:
                if x.by == username:
                    contact_log(
                        tenant=tenant, customer_id=x.customer.record.pk, kind=x.kind, summary=x.summary,
                        direction=x.direction, at=x.at,
                    )  # fmt: skip
    with set_actor(sa):
        for c in plan.withdrawals:
            consent_set(
                tenant=tenants[c.store_code], customer_id=c.record.pk, granted=False,
                how="客户来电要求不再接收营销短信",
            )  # fmt: skip


def load_demo(*, customers: int = 300, other_customers: int = 20, seed: int = SEED) -> dict:
    """Create the demo dealership in an empty database; return counts for a summary."""
    started = clock.monotonic()
    if DealerGroup.objects.filter(code__in=(DEMO.code, OTHER.code)).exists():
        raise ValueError("The demo dealer groups exist already.")
    today = timezone.localdate()
    rng = random.Random(seed)
    used: dict[str, set] = {"mobile": set(), "vin": set(), "plate": set()}
    plans = [
        Planner(DEMO, rng, today, used).plan(customers, buyers=2 if customers >= 20 else 0, staff=True),
        Planner(OTHER, rng, today, used).plan(other_customers, buyers=0, staff=False),
    ]
    summary: dict = {"groups": {}}
    with transaction.atomic():
        for plan in plans:
            group, stores, brands = _organisation(plan.spec)
            users = _staff(stores)
            _write(plan, stores, brands, users)
            recompute_group_tiers(group.pk, today=today)
            tiers = dict(
                Customer.objects.filter(group=group).values_list("value_tier").annotate(n=Count("pk"))
            )
            summary["groups"][group.code] = {
                "name": group.name,
                "customers": len(plan.customers),
                "vehicles": len(plan.vehicles),
                "service_records": sum(len(v.visits) for v in plan.vehicles),
                "contacts": CustomerContact.objects.filter(customer__group=group).count(),
                "users": len(users),
                "tiers": {t.value: tiers.get(t.value, 0) for t in ValueTier},
            }
        summary["service"] = load_demo_service()
        for group in DealerGroup.objects.filter(code__in=("DEMO", "OTHER")):
            load_demo_packages(group=group)
        summary["sales"] = load_demo_sales()
        summary["satisfaction"] = load_demo_satisfaction()
        summary["relationships"] = load_demo_relationships()
        summary["claims"] = load_demo_claims()
        summary["records"] = load_demo_records()  # last: every order settled above has its record
    summary["seconds"] = round(clock.monotonic() - started, 1)
    return summary
