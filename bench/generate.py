"""Bench data: a dealer group with 1,000,000 customers and ~1.2 million vehicles, loaded with COPY.

    [BENCH_DATABASE_URL=postgres://...] .venv/bin/python bench/generate.py [customers] [--force]

`bench/run.py` calls `ensure_data()`, which loads only when the bench group does not already hold
the target number of customers (or, from run.py, when the loaded keys no longer match the rules). The load bypasses the ORM and the services (they would take hours
at this size) but writes exactly what the services would: the search keys of `name_keys()`,
`mobile_tail` and `vin_tail` reversed, mobiles that `validate_mobile()` accepts, VINs with their
check digit, plates that `validate_plate()` accepts and random 52-bit ids as `dms.core.ids`
makes them. `verify()` samples loaded rows and checks them against those very functions.

The data (fixed seed, so every run builds the same rows):
  * group BENCH (基准汽车集团): stores BN01 and BN02, brand 东风本田, `customers` customers;
  * group BENCHX, a second, small group (2% of the size) so that the tenancy filter has
    something to exclude: same name and plate distributions, its own brand and store;
  * names from the ~100 commonest surnames with their real frequencies (a few compound ones),
    one- or two-character given names drawn from ~150 common characters of one reading, weighted;
  * vehicles per customer 0/1/2/3 with p = 5/75/15/5 % (1.2 per customer); plates mostly 粤B,
    a quarter new-energy (8 characters), 2% not yet registered (no plate).

The whole load runs in one transaction: secondary indexes and foreign keys of the two tables
are dropped, the rows copied, then indexes and keys recreated from their saved definitions,
so an interrupted load leaves the database as it was. VACUUM ANALYZE follows.
"""

import itertools
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 20260501
GROUP, OTHER_GROUP = "BENCH", "BENCHX"
STORES = (("BN01", "基准深圳一店"), ("BN02", "基准深圳二店"))
OTHER_STORE = ("BX01", "另一集团北京店")
BRAND, OTHER_BRAND = "东风本田", "长安马自达"

# Surnames and their share of the population in per mille (approximately the 2020 census).
SURNAMES = {
    "王": 71, "李": 70, "张": 67, "刘": 54, "陈": 45, "杨": 31, "黄": 22, "赵": 20, "吴": 20,
    "周": 19, "徐": 13, "孙": 12, "马": 12, "朱": 11, "胡": 11, "郭": 10, "何": 10, "林": 10,
    "高": 9.6, "罗": 8.7, "郑": 7.8, "梁": 7.3, "谢": 6.5, "宋": 6.2, "唐": 6.1, "许": 5.7,
    "韩": 5.6, "冯": 5.5, "邓": 5.5, "曹": 5.3, "彭": 5.1, "曾": 5.0, "肖": 4.8, "田": 4.7,
    "董": 4.6, "袁": 4.5, "潘": 4.4, "于": 4.3, "蒋": 4.2, "蔡": 4.1, "余": 4.0, "杜": 3.9,
    "叶": 3.8, "程": 3.7, "苏": 3.6, "魏": 3.5, "吕": 3.4, "丁": 3.3, "任": 3.2, "沈": 3.1,
    "姚": 3.0, "卢": 2.9, "姜": 2.8, "崔": 2.7, "钟": 2.6, "谭": 2.5, "陆": 2.4, "汪": 2.3,
    "范": 2.2, "金": 2.1, "石": 2.0, "廖": 2.0, "贾": 1.9, "夏": 1.9, "韦": 1.8, "付": 1.8,
    "方": 1.7, "白": 1.7, "邹": 1.6, "孟": 1.6, "熊": 1.5, "秦": 1.5, "邱": 1.5, "江": 1.4,
    "尹": 1.4, "薛": 1.3, "闫": 1.3, "段": 1.2, "雷": 1.2, "侯": 1.2, "龙": 1.1, "史": 1.1,
    "陶": 1.1, "黎": 1.0, "贺": 1.0, "顾": 1.0, "毛": 1.0, "郝": 0.9, "龚": 0.9, "邵": 0.9,
    "万": 0.9, "钱": 0.8, "严": 0.8, "覃": 0.8, "武": 0.8, "戴": 0.8, "莫": 0.7, "孔": 0.7,
    "欧阳": 0.3, "司马": 0.1, "上官": 0.1, "诸葛": 0.05,
}  # fmt: skip
# Characters of given names, commonest first; weights fall off as 1/sqrt(rank).
GIVEN = (
    "伟英华文明军平丽红国建芳玲燕小海云春志金秀晓杰林强东梅兰霞敏静涛斌波辉磊峰勇鹏鑫浩宇晨"
    "欣怡婷雪琳娜洁颖慧佳俊博宁新永德福荣生庆清亮光成凯健飞刚超兵立泽睿轩子梓涵雨思嘉诗铭昊"
    "天宏振彬锋坤艳萍玉凤娟桂琴丹蓉倩璐瑶琪晶阳帆航翔宝良松江河山淑珍秋菊莉婉悦萱妍琦璇若希"
    "豪旭毅锦达威武家安康乐和顺益祥瑞晖曦逸然宸浚皓楠柏桐杨枫荷莲芸蕾薇菲娇媛姗蓓秀英桂兰"
    "志强永刚建平国庆少卫中学义仁礼智信忠孝廉耀祖宗耀光辉"
)
MOBILE_PREFIXES = tuple(
    str(p) for p in (*range(130, 140), 145, 147, 150, 151, 152, 153, *range(155, 160), 166, 173,
                     *range(175, 179), *range(180, 190), 191, 198, 199)
)  # fmt: skip
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O
DIGITS = "0123456789"
# WMI + VDS of the group's models (positions 1-8 of the VIN); year codes 2016-2025.
VIN_HEADS = ("LVHRU1840", "LVHRW1860", "LVHFC5640", "LVHRM3850", "LVHTG6870", "LHGRT3820", "LHGCV1680")
VIN_YEARS = "GHJKLMNPRS"
VIN_PLANTS = "0123456789ABC"
MODELS = ("思域", "雅阁", "CR-V", "缤智", "XR-V", "艾力绅", "型格", "英仕派", "UR-V", "e:NP1")
OTHER_MODELS = ("CX-5", "CX-30", "阿特兹", "昂克赛拉", "CX-4")
COLOURS = ("白", "黑", "银", "灰", "红", "蓝", "棕")
INSURERS = ("中国人保", "平安保险", "太平洋保险", "中国人寿财险", "大地保险", "")
TIERS = ("loyal", "opportunity", "marginal", "lost")
SOURCES = ("walk_in", "phone", "web", "event", "referral", "sale", "import", "other")

CUSTOMER_COLUMNS = (
    "id", "group_id", "home_store_id", "name", "title", "mobile", "phone2", "wechat", "email",
    "preferred_channel", "preferred_time", "marketing_consent", "consent_changed_at", "occupation",
    "region", "address", "source", "birthday", "behaviour_type", "value_tier", "value_tier_reason",
    "customer_manager_id", "notes", "version", "created_at", "updated_at", "name_pinyin",
    "name_initials", "name_tail", "mobile_tail",
)  # fmt: skip
VEHICLE_COLUMNS = (
    "id", "group_id", "owner_id", "vin", "plate", "brand_id", "model", "trim", "colour", "engine_no",
    "energy", "purchase_date", "registration_date", "selling_store_id", "usage", "mileage_km",
    "mileage_read_at", "insurance_company", "insurance_policy_no", "insurance_expiry", "inspection_due",
    "notes", "version", "created_at", "updated_at", "vin_tail", "category",
)  # fmt: skip
TABLES = ("customers_customer", "vehicles_vehicle")


def log(msg: str) -> None:
    print(msg, flush=True)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# --- Names and their search keys -------------------------------------------------------------------


class NameKeys:
    """Search keys of generated names, equal to `name_keys()`, from a per-character map built once.

    pypinyin reads a text word by word: a word in its phrase dictionary gets the phrase's reading,
    any other character its own default reading. So a name's pinyin differs from the per-character
    one only where it contains a dictionary phrase read otherwise (such as 何曾); such phrases
    made of our characters are found once, and names containing one go through `name_keys()`
    itself (once per distinct name). Surnames take the reading `name_keys()` gives them, which
    may differ from the character's own (曾 reads zeng as a surname)."""

    def __init__(self, surnames, chars: set[str]):
        from pypinyin import Style, lazy_pinyin
        from pypinyin.constants import PHRASES_DICT

        from dms.customers.rules import name_keys

        chars = chars | {c for s in surnames for c in s}
        self.py = {c: lazy_pinyin(c)[0].lower() for c in chars}
        self.ini = {c: lazy_pinyin(c, style=Style.FIRST_LETTER)[0].lower()[:1] for c in chars}
        # A surname's keys as name_keys() gives them, which may differ from the characters' own
        # (曾 is zeng as a surname; 欧阳 is a surname, not part of the given name): probed with a
        # one-reading character after it.
        probe = "伟"
        self.surname: dict[str, tuple[str, str, str]] = {}
        for s in surnames:
            k = name_keys(s + probe)
            py, ini, tail = k["name_pinyin"], k["name_initials"], k["name_tail"]
            assert py.endswith(self.py[probe]) and ini.endswith(self.ini[probe]) and tail.endswith(probe)
            self.surname[s] = (py[: -len(self.py[probe])], ini[:-1], tail[:-1])
        self.special: set[str] = set()
        for phrase in PHRASES_DICT:
            if len(phrase) > 1 and all(c in chars for c in phrase):
                per_char = [self.py[c] for c in phrase]
                if [s.lower() for s in lazy_pinyin(phrase)] != per_char:
                    self.special.add(phrase)
        self.longest = max((len(p) for p in self.special), default=0)
        self.cache: dict[str, tuple[str, str, str]] = {}

    def _special(self, name: str) -> bool:
        n = len(name)
        return any(
            name[i : i + k] in self.special
            for k in range(2, min(self.longest, n) + 1)
            for i in range(n - k + 1)
        )

    def __call__(self, name: str) -> tuple[str, str, str]:
        keys = self.cache.get(name)
        if keys is None:
            if self._special(name):
                from dms.customers.rules import name_keys

                k = name_keys(name)
                keys = (k["name_pinyin"], k["name_initials"], k["name_tail"])
            else:
                py, ini = self.py, self.ini
                surname = name[:2] if name[:2] in self.surname else name[:1]
                given = name[len(surname) :]
                s_py, s_ini, s_tail = self.surname[surname]
                keys = (
                    s_py + "".join([py[c] for c in given]),
                    s_ini + "".join([ini[c] for c in given]),
                    s_tail + given,
                )
            self.cache[name] = keys
        return keys


def given_chars() -> list[str]:
    from pypinyin import Style, pinyin

    seen, out = set(), []
    for c in GIVEN:
        # Given names use characters of one reading only: their pinyin cannot depend on context.
        if c not in seen and len(set(pinyin(c, style=Style.NORMAL, heteronym=True)[0])) == 1:
            seen.add(c)
            out.append(c)
    return out


def make_names(rng: random.Random, n: int) -> list[str]:
    surnames, weights = list(SURNAMES), list(SURNAMES.values())
    chars = given_chars()
    char_weights = [1 / (rank + 1) ** 0.5 for rank in range(len(chars))]
    s = rng.choices(surnames, weights, k=n)
    g = rng.choices(chars, char_weights, k=2 * n)
    two = rng.choices((False, True), (35, 65), k=n)
    return [s[i] + g[2 * i] + (g[2 * i + 1] if two[i] else "") for i in range(n)]


# --- Identity numbers ------------------------------------------------------------------------------


def mobile_prefixes() -> list[str]:
    """Three-digit prefixes of which every sampled number passes `validate_mobile()`."""
    from dms.core.errors import DomainError
    from dms.customers.rules import validate_mobile

    rng, ok = random.Random(SEED), []
    for p in MOBILE_PREFIXES:
        try:
            for _ in range(30):
                validate_mobile(f"{p}{rng.randrange(10**8):08d}")
        except DomainError:
            continue
        ok.append(p)
    return ok


class Ids:
    """Random 52-bit ids as `dms.core.ids.new_id()` makes them, from a seeded generator, unique."""

    def __init__(self, rng: random.Random):
        self.rng, self.seen = rng, set()

    def __call__(self) -> int:
        while True:
            i = self.rng.getrandbits(52) | (1 << 40)
            if i not in self.seen:
                self.seen.add(i)
                return i


def make_vin(rng: random.Random) -> str:
    from dms.vehicles.rules import vin_check_digit

    head = rng.choice(VIN_HEADS)  # 9 characters: the 9th is a placeholder for the check digit
    vin = f"{head}{rng.choice(VIN_YEARS)}{rng.choice(VIN_PLANTS)}{int(rng.random() * 1e6):06d}"
    return vin[:8] + vin_check_digit(vin) + vin[9:]


_BODY = DIGITS + PLATE_LETTERS
_BODY_WEIGHTS = tuple(itertools.accumulate([8 / 10] * 10 + [2 / 24] * 24))  # 80% digits


def make_plate(rng: random.Random, province: str, cities: str) -> str:
    prefix = province + rng.choice(cities)
    if rng.random() < 0.25:  # new energy: D (battery) or F (other), a letter or digit, four digits
        second = rng.choices(_BODY, cum_weights=_BODY_WEIGHTS)[0]
        return f"{prefix}{rng.choice('DF')}{second}{int(rng.random() * 1e4):04d}"
    return prefix + "".join(rng.choices(_BODY, cum_weights=_BODY_WEIGHTS, k=5))


# --- The organisation --------------------------------------------------------------------------------


def ensure_org() -> dict:
    """The two bench groups with their stores and brands (idempotent). Returns their ids."""
    from dms.core.models import Brand, DealerGroup, Store

    group, _ = DealerGroup.objects.get_or_create(code=GROUP, defaults={"name": "基准汽车集团"})
    brand, _ = Brand.objects.get_or_create(group=group, name=BRAND)
    stores = []
    for code, name in STORES:
        store, _ = Store.objects.get_or_create(code=code, defaults={"group": group, "name": name})
        store.brands.add(brand)
        stores.append(store)
    other, _ = DealerGroup.objects.get_or_create(code=OTHER_GROUP, defaults={"name": "另一汽车集团"})
    other_brand, _ = Brand.objects.get_or_create(group=other, name=OTHER_BRAND)
    other_store, _ = Store.objects.get_or_create(
        code=OTHER_STORE[0], defaults={"group": other, "name": OTHER_STORE[1]}
    )
    other_store.brands.add(other_brand)
    return {
        "group": group.pk,
        "stores": [s.pk for s in stores],
        "brand": brand.pk,
        "other_group": other.pk,
        "other_store": other_store.pk,
        "other_brand": other_brand.pk,
    }


def customer_count(org: dict) -> int:
    from dms.customers.models import Customer

    return Customer.objects.filter(group_id=org["group"]).count()


# --- Rows ------------------------------------------------------------------------------------------


def _timestamps(rng: random.Random, k: int) -> list[str]:
    start = datetime(2018, 1, 1, tzinfo=UTC)
    span = int((datetime(2026, 4, 1, tzinfo=UTC) - start).total_seconds())
    return sorted(
        (start + timedelta(seconds=rng.randrange(span))).strftime("%Y-%m-%d %H:%M:%S+00") for _ in range(k)
    )


def _dates(rng: random.Random, first: date, last: date, k: int) -> list[str]:
    span = (last - first).days
    return [(first + timedelta(days=rng.randrange(span))).isoformat() for _ in range(k)]


def build_rows(org: dict, customers: int, seed: int = SEED):
    """Yield (table, columns, chunks of COPY text) for customers and then vehicles."""
    rng = random.Random(seed)
    rand, choices = rng.random, rng.choices
    new_id = Ids(rng)
    prefixes = mobile_prefixes()
    total = customers + max(100, customers // 50)
    names = make_names(rng, total)
    keys = NameKeys(SURNAMES, set(given_chars()))
    stamps = _timestamps(rng, 20_000)
    birthdays = _dates(rng, date(1955, 1, 1), date(2004, 12, 31), 12_000) + ["\\N"] * 8_000
    days = _dates(rng, date(2016, 1, 1), date(2026, 3, 31), 5_000)
    owners: list[tuple[int, int, bool]] = []  # (customer id, group id, in the big group)
    chunk = 20_000

    def customer_lines():
        for start in range(0, total, chunk):
            k = min(chunk, total - start)
            stores, pre = choices(org["stores"], k=k), choices(prefixes, k=k)
            titles, sources = choices(("mr", "ms", ""), k=k), choices(SOURCES, k=k)
            tiers, created, bdays = choices(TIERS, k=k), choices(stamps, k=k), choices(birthdays, k=k)
            lines = []
            for j in range(k):
                i = start + j
                big = i < customers
                gid = org["group"] if big else org["other_group"]
                store = stores[j] if big else org["other_store"]
                name = names[i]
                pinyin, initials, tail = keys(name)
                mobile = f"{pre[j]}{int(rand() * 1e8):08d}"
                cid = new_id()
                owners.append((cid, gid, big))
                lines.append(
                    f"{cid}\t{gid}\t{store}\t{name}\t{titles[j]}\t{mobile}\t\t\t\tphone\tany\tf\t\\N\t\t\t\t"
                    f"{sources[j]}\t{bdays[j]}\t\t{tiers[j]}\t\t\\N\t\t1\t{created[j]}\t{created[j]}\t"
                    f"{pinyin}\t{initials}\t{tail}\t{mobile[::-1]}\n"
                )
            yield "".join(lines)

    yield "customers_customer", CUSTOMER_COLUMNS, customer_lines()

    def plate_for(big: bool) -> str:
        if not big:
            return make_plate(rng, "京", "ACEFHJKMNPQ")
        r = rand()
        if r < 0.75:
            return make_plate(rng, "粤", "B")
        if r < 0.9:
            return make_plate(rng, "粤", "ACDEFGLMSTUX")
        return make_plate(rng, rng.choice("湘赣桂闽川鄂豫"), "ABCDEF")

    def vehicle_lines():
        vins, plates = set(), set()
        counts = choices((0, 1, 2, 3), (5, 75, 15, 5), k=len(owners))
        for start in range(0, len(owners), chunk):
            end = min(start + chunk, len(owners))
            k = sum(counts[start:end])
            models, colours = choices(range(len(MODELS)), k=k), choices(COLOURS, k=k)
            insurers, bought, created = choices(INSURERS, k=k), choices(days, k=k), choices(stamps, k=k)
            selling = choices([*org["stores"], "\\N"], (3, 3, 4), k=k)
            lines, v = [], 0
            for i in range(start, end):
                owner, gid, big = owners[i]
                for _ in range(counts[i]):
                    vin = make_vin(rng)
                    while vin in vins:
                        vin = make_vin(rng)
                    vins.add(vin)
                    plate = ""
                    if rand() >= 0.02:
                        plate = plate_for(big)
                        while plate in plates:
                            plate = plate_for(big)
                        plates.add(plate)
                    energy = ("bev" if rand() < 0.7 else "phev") if len(plate) == 8 else "petrol"
                    if big:
                        brand, model, store = org["brand"], MODELS[models[v]], selling[v]
                    else:
                        brand, model, store = org["other_brand"], OTHER_MODELS[models[v] % 5], "\\N"
                    lines.append(
                        f"{new_id()}\t{gid}\t{owner}\t{vin}\t{plate}\t{brand}\t{model}\t\t{colours[v]}\t\t"
                        f"{energy}\t{bought[v]}\t{bought[v]}\t{store}\tprivate\t{int(rand() * 200_000)}\t\\N\t"
                        f"{insurers[v]}\t\t\\N\t\\N\t\t1\t{created[v]}\t{created[v]}\t{vin[::-1]}\tcar\n"
                    )
                    v += 1
            yield "".join(lines)

    yield "vehicles_vehicle", VEHICLE_COLUMNS, vehicle_lines()


# --- Loading -----------------------------------------------------------------------------------------


def load(database_url: str, org: dict, customers: int) -> dict:
    """Replace the bench rows: one transaction of drop indexes, COPY, recreate indexes and keys."""
    import psycopg

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute("TRUNCATE customers_customer, vehicles_vehicle CASCADE")
        cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique",
            [list(TABLES)],
        )
        indexes = cur.fetchall()
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f'",
            [list(TABLES)],
        )
        fkeys = cur.fetchall()
        for table, con, _def in fkeys:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{con}"')
        for name, _def in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        timings["prepare_s"] = time.perf_counter() - t0

        rows = {}
        for table, columns, chunks in build_rows(org, customers):
            t = time.perf_counter()
            n = 0
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for chunk in chunks:
                    copy.write(chunk)
                    n += chunk.count("\n")
            rows[table] = n
            timings[f"copy_{table}_s"] = time.perf_counter() - t
            log(f"  copied {n:,} rows into {table} in {timings[f'copy_{table}_s']:.1f} s")

        t = time.perf_counter()
        for name, definition in indexes:
            ti = time.perf_counter()
            cur.execute(definition)
            log(f"  index {name}: {time.perf_counter() - ti:.1f} s")
        timings["indexes_s"] = time.perf_counter() - t
        t = time.perf_counter()
        for table, con, definition in fkeys:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{con}" {definition}')
        timings["foreign_keys_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_analyze_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    return {"rows": rows, "timings": {k: round(v, 1) for k, v in timings.items()}}


def verify(org: dict, sample: int = 3000, *, full: bool = True) -> dict:
    """Sampled rows against the rules the services apply (and, if `full`, VINs and plates unique);
    raises AssertionError on a mismatch. The sample holds customers of every surname."""
    from django.db import connection

    from dms.customers.rules import name_keys, validate_mobile
    from dms.vehicles.rules import validate_plate, validate_vin

    problems: list[str] = []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT name, name_pinyin, name_initials, name_tail, mobile, mobile_tail "
            "FROM customers_customer TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT %s",
            [sample],
        )
        customers = cur.fetchall()
        for surname in SURNAMES:
            cur.execute(
                "SELECT name, name_pinyin, name_initials, name_tail, mobile, mobile_tail "
                "FROM customers_customer WHERE group_id = %s AND name LIKE %s LIMIT 3",
                [org["group"], surname + "%"],
            )
            customers += cur.fetchall()
        for name, pinyin, initials, tail, mobile, mobile_tail in customers:
            want = name_keys(name)
            if (pinyin, initials, tail) != (want["name_pinyin"], want["name_initials"], want["name_tail"]):
                problems.append(f"keys of {name}: {(pinyin, initials, tail)} != {want}")
            if validate_mobile(mobile) != mobile or mobile_tail != mobile[::-1]:
                problems.append(f"mobile {mobile}/{mobile_tail}")
        cur.execute(
            "SELECT vin, vin_tail, plate FROM vehicles_vehicle TABLESAMPLE SYSTEM (1) REPEATABLE (7) "
            "LIMIT %s",
            [sample],
        )
        vehicles = cur.fetchall()
        for vin, vin_tail, plate in vehicles:
            if validate_vin(vin) != vin or vin_tail != vin[::-1]:
                problems.append(f"vin {vin}/{vin_tail}")
            if plate and validate_plate(plate) != plate:
                problems.append(f"plate {plate}")
        if full:
            cur.execute(
                "SELECT count(*), count(DISTINCT vin), count(DISTINCT plate) FILTER (WHERE plate <> ''), "
                "count(*) FILTER (WHERE plate <> '') FROM vehicles_vehicle"
            )
            n, vins, plates, with_plate = cur.fetchone()
            if vins != n or plates != with_plate:
                problems.append(
                    f"duplicate VINs or plates: {n} rows, {vins} VINs, {plates}/{with_plate} plates"
                )
    assert not problems, "generated data differs from the rules:\n" + "\n".join(problems[:20])
    return {"customers_checked": len(customers), "vehicles_checked": len(vehicles)}


def ensure_data(database_url: str, customers: int, *, force: bool = False) -> dict:
    """Load the bench data unless the bench group already holds `customers` customers."""
    org = ensure_org()
    have = customer_count(org)
    if have == customers and not force:
        log(f"bench data present: {have:,} customers in group {GROUP}")
        return {"generated": False, "org": org}
    log(
        f"generating {customers:,} customers (+{max(100, customers // 50):,} in {OTHER_GROUP}) and vehicles …"
    )
    t = time.perf_counter()
    result = load(database_url, org, customers)
    checked = verify(org)
    result["timings"]["verify_s"] = round(time.perf_counter() - t - result["timings"]["total_s"], 1)
    log(f"generated in {result['timings']['total_s']:.0f} s: {result['rows']}; {result['timings']}")
    log(f"verified against the rules: {checked}")
    return {"generated": True, "org": org, **result, "verified": checked}


if __name__ == "__main__":
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opendms_bench")
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else int(os.environ.get("BENCH_CUSTOMERS", "1000000"))
    setup_django(url)
    ensure_data(url, n, force="--force" in sys.argv)
