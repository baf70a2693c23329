"""Generating touches from the plan, set-based: one INSERT … SELECT per trigger.

`generate(group_id=…, day=…)` creates the touches of every date-anchored rule (maintenance,
insurance, annual inspection, birthday, dormant, keep in touch) whose due date falls in the window
[day − GRACE_DAYS, day + LOOKAHEAD_DAYS]: the upcoming week shows on the day's page, and a worker
that missed a weekend catches up. Event-anchored rules (a delivery, a complaint closed, a referral)
create theirs when the event happens (`touches_for_event`).

No Python loop over vehicles or customers: each trigger is one statement that joins its rules (every
store's version of each, a small table of constants) to the vehicles or customers, computes the due
date, the key and the assignee in SQL, and inserts with ON CONFLICT DO NOTHING (SQLite: INSERT OR
IGNORE). A touch's `key` names its rule, subject and period
("insurance_30:<vehicle>:<expiry>"); it is unique, so running twice creates nothing twice, and
a store that changes a rule does not get the same touch again under the new rule.

The statements are written for PostgreSQL and SQLite (the `Dialect` below gives the few functions
that differ: adding days and months, the month-day of a date, a local time to UTC)."""

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from dms.core.models import Store, StoreMembership
from dms.core.roles import Perm, Role, permissions_for

from .models import MANAGER, FollowUp, TouchPlanRun, TouchRule, Trigger
from .plans import effective_rules

GRACE_DAYS = 3  # touches due up to this many days ago are still created (a missed weekend)
LOOKAHEAD_DAYS = 7  # … and those due within the coming week ("upcoming")
LOCAL_HOUR = 10  # a date-anchored touch is due at 10:00 in the store's time (plus the rule's hours)
PRIORITY = "CASE c.value_tier WHEN 'loyal' THEN 0 WHEN 'opportunity' THEN 1 WHEN 'marginal' THEN 2 ELSE 3 END"
DATE_TRIGGERS = (
    Trigger.MAINTENANCE_DUE, Trigger.INSURANCE_EXPIRY, Trigger.INSPECTION_DUE, Trigger.BIRTHDAY, Trigger.DORMANT,
    Trigger.KEEP_IN_TOUCH,
)  # fmt: skip


# The roles that work touches (My day, the call page): a manager rule's touch goes to the customer's
# own manager only where that manager works touches, an active member of the touch's store in one of
# these roles; elsewhere (a car bought at the group's other store, a manager who left) the store's
# stand-in does it, so that no touch waits on the day of someone who cannot open it.
TOUCH_ROLES = tuple(sorted(role.value for role in Role if Perm.FOLLOWUP_WORK in permissions_for(role)))


def works_touches_sql(user: str, store: str) -> str:
    """SQL: the user (an expression) works touches in the store (an expression)."""
    roles = ", ".join(f"'{role}'" for role in TOUCH_ROLES)  # constants of the code, never input
    return (
        f"EXISTS (SELECT 1 FROM core_storemembership sm JOIN core_user u ON u.id = sm.user_id "
        f"WHERE sm.user_id = {user} AND sm.store_id = {store} AND u.is_active AND sm.role IN ({roles}))"
    )


def works_touches(user_id: int, store: Store) -> bool:
    return StoreMembership.objects.filter(
        user_id=user_id, store=store, user__is_active=True, role__in=TOUCH_ROLES
    ).exists()


class Dialect:
    """The SQL that differs between PostgreSQL and SQLite."""

    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def add_days(self, expr: str, n: str) -> str:
        return f"(({expr}) + ({n})::int)" if self.pg else f"date({expr}, printf('%%+d days', {n}))"

    def add_months(self, expr: str, n: str) -> str:
        if self.pg:
            return f"(({expr}) + make_interval(months => ({n})::int))::date"
        return f"date({expr}, printf('%%+d months', {n}))"

    def days_between(self, later: str, earlier: str) -> str:
        return (
            f"(({later}) - ({earlier}))"
            if self.pg
            else f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
        )

    def month_day(self, expr: str) -> str:
        return f"to_char({expr}, 'MM-DD')" if self.pg else f"strftime('%%m-%%d', {expr})"

    def local_date(self, expr: str) -> str:
        """The date (in the store's zone) of a timestamp column."""
        return f"(({expr}) AT TIME ZONE %(tz)s)::date" if self.pg else f"date({expr}, %(utc_offset)s)"

    def due_at(self, date_expr: str) -> str:
        """The UTC time of LOCAL_HOUR (+ the rule's hours) on a local date."""
        if self.pg:
            return f"((({date_expr})::timestamp + make_interval(hours => %(hour)s)) AT TIME ZONE %(tz)s)"
        return f"datetime({date_expr}, %(utc_hours)s)"

    def fence(self) -> str:
        """Keeps a subquery from being merged into its caller (its correlated subqueries would
        run once per reference instead of once per row)."""
        return " OFFSET 0" if self.pg else " LIMIT -1 OFFSET 0"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"min({a}, {b})"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS text)" if self.pg else f"CAST({expr} AS TEXT)"

    def values(
        self, rows: list[tuple], names: tuple[str, ...], alias: str, types: tuple[str, ...]
    ) -> tuple[str, dict]:
        """A small table of constants: "(VALUES …) AS alias(names)" (SQLite: SELECT … UNION ALL …);
        `types` are PostgreSQL's for each column (bigint, int, text, date)."""
        params, selects = {}, []
        for i, row in enumerate(rows):
            cells = []
            for j, value in enumerate(row):
                name = f"{alias}{i}_{j}"
                params[name] = value
                cells.append(f"CAST(%({name})s AS {types[j]})" if self.pg else f"%({name})s")
            selects.append(cells)
        if self.pg:
            body = ", ".join("(" + ", ".join(cells) + ")" for cells in selects)
            return f"(VALUES {body}) AS {alias}({', '.join(names)})", params
        body = " UNION ALL ".join(
            "SELECT " + ", ".join(f"{c} AS {n}" for c, n in zip(cells, names, strict=True))
            for cells in selects
        )
        return f"({body}) AS {alias}", params


# --- One trigger, one statement -------------------------------------------------------------------
# The rules of a trigger, every store's version of each, are a small table `r` of constants joined
# to the subjects by store: the vehicles or customers are read once per trigger, whatever the
# number of rules and stores.

RULE_COLUMNS = (
    ("rid", "bigint"), ("sid", "bigint"), ("prefix", "text"), ("kind", "text"), ("channel", "text"),
    ("off", "int"), ("hour", "int"), ("utc_hours", "text"), ("tz", "text"), ("fallback", "bigint"),
    ("by_manager", "int"), ("marketing", "int"), ("bfilter", "int"), ("bvalue", "text"), ("months", "int"),
    ("km_every", "int"),
)  # fmt: skip
FILTERS = "(r.marketing = 0 OR c.marketing_consent) AND (r.bfilter = 0 OR c.behaviour_type = r.bvalue)"
GROUP_STORES = "SELECT st.id FROM core_store st WHERE st.group_id = %(group)s"
SUBJECT_COLS = (
    f"{PRIORITY} AS priority, c.customer_manager_id AS manager_id, c.preferred_time AS preferred_time"
)


def _rule_row(rule: TouchRule, store: Store, day: date, fallback: dict) -> tuple:
    tz = ZoneInfo(store.time_zone or "Asia/Shanghai")
    hour = LOCAL_HOUR + rule.offset_hours
    offset = int(datetime.combine(day, datetime.min.time(), tzinfo=tz).utcoffset().total_seconds() // 3600)
    if rule.assignee == MANAGER:
        stand_in = fallback.get(Role.CUSTOMER_MANAGER) or fallback.get(Role.CUSTOMER_CARE)
    else:
        stand_in = fallback.get(rule.assignee)
    btype = rule.behaviour_type
    return (
        rule.pk, store.pk, f"{rule.code}:", rule.kind, rule.channel, rule.offset_days, hour,
        f"{hour - offset:+d} hours", str(tz), stand_in, int(rule.assignee == MANAGER), int(rule.marketing),
        int(bool(btype)), "" if btype == "unknown" else btype, rule.every_months or 0, rule.every_km or 0,
    )  # fmt: skip


def _subjects(trigger: str, d: Dialect, window: tuple[date, date], rules: list[tuple]) -> tuple[str, dict]:
    """SELECT r.*, customer_id, vehicle_id, subject, period, subject_date, due_date, priority,
    manager_id, preferred_time: every subject of the trigger's rules (`r`) in their stores."""
    params: dict = {}
    offsets = sorted({row[5] for row in rules})
    store_of_vehicle = "COALESCE(v.selling_store_id, c.home_store_id)"

    if trigger in (Trigger.INSURANCE_EXPIRY, Trigger.INSPECTION_DUE):
        column = "v.insurance_expiry" if trigger == Trigger.INSURANCE_EXPIRY else "v.inspection_due"
        # A first cut by the widest window, then each rule's own.
        params["lo_anchor"] = window[0] - timedelta(max(offsets))
        params["hi_anchor"] = window[1] - timedelta(min(offsets))
        sql = (
            f"SELECT r.*, c.id AS customer_id, v.id AS vehicle_id, {d.text('v.id')} AS subject, "
            f"{d.text(column)} AS period, {column} AS subject_date, {d.add_days(column, 'r.off')} AS due_date, "
            f"{SUBJECT_COLS} FROM vehicles_vehicle v JOIN customers_customer c ON c.id = v.owner_id "
            f"JOIN {{rules}} ON r.sid = {store_of_vehicle} WHERE v.group_id = %(group)s "
            f"AND {column} BETWEEN %(lo_anchor)s AND %(hi_anchor)s AND {FILTERS}"
        )
        return sql, params

    if trigger == Trigger.MAINTENANCE_DUE:
        # The last maintenance (date and km), else the car's start (purchase or registration, 0 km);
        # due after `every_months`, or earlier when the km driven since reach `every_km` at the
        # car's average km per day (its current reading over the days since its start).
        # (one pass over the group's maintenance records, grouped: a lookup per vehicle costs more)
        last = (
            "SELECT sr.vehicle_id, MAX(sr.date) AS last_date, MAX(sr.mileage_km) AS last_km "
            "FROM vehicles_servicerecord sr WHERE sr.kind = 'maintenance' "
            f"AND sr.store_id IN ({GROUP_STORES}) GROUP BY sr.vehicle_id"
        )
        start = "COALESCE(v.purchase_date, v.registration_date)"
        inner = (
            f"SELECT v.id AS vid, c.id AS cid, {store_of_vehicle} AS sid, lm.last_date, lm.last_km, "
            f"{start} AS start_date, v.mileage_km AS km, {d.local_date('v.mileage_read_at')} AS read_date "
            f"FROM vehicles_vehicle v JOIN customers_customer c ON c.id = v.owner_id "
            f"LEFT JOIN ({last}) lm ON lm.vehicle_id = v.id WHERE v.group_id = %(group)s{d.fence()}"
        )
        base = "COALESCE(m.last_date, m.start_date)"
        by_months = d.add_months(base, "r.months")
        days_driven = d.days_between("m.read_date", "m.start_date")
        km_since = "(m.km - COALESCE(m.last_km, 0))"
        left_days = f"(CAST((r.km_every - {km_since}) AS float) * {days_driven} / m.km)"
        by_km = d.add_days("m.read_date", f"CAST({left_days} AS integer)")
        km_known = f"r.km_every > 0 AND m.read_date IS NOT NULL AND m.start_date IS NOT NULL AND m.km > 0 AND {days_driven} > 0"
        due_item = (
            f"CASE WHEN {km_known} AND r.months > 0 THEN {d.least(by_months, by_km)} "
            f"WHEN {km_known} THEN {by_km} WHEN r.months > 0 THEN {by_months} END"
        )
        sql = (
            f"SELECT x.*, x.cid AS customer_id, x.vid AS vehicle_id, {d.text('x.vid')} AS subject, "
            f"{d.text('x.base')} AS period, x.due_item AS subject_date, {d.add_days('x.due_item', 'x.off')} AS due_date, "
            f"{SUBJECT_COLS} FROM (SELECT r.*, m.vid, m.cid, {base} AS base, {due_item} AS due_item "
            f"FROM ({inner}) m JOIN {{rules}} ON r.sid = m.sid WHERE {base} IS NOT NULL) x "
            f"JOIN customers_customer c ON c.id = x.cid WHERE x.due_item IS NOT NULL AND "
            + FILTERS.replace("r.", "x.")
        )
        return sql, params

    if trigger == Trigger.BIRTHDAY:
        # The month-days whose birthday + a rule's offset falls in the window (a small table; 29
        # February is celebrated on the 28th in other years).
        rows = set()
        for off in offsets:
            day = window[0]
            while day <= window[1]:
                anchor = day - timedelta(off)
                rows.add((f"{anchor:%m-%d}", anchor))
                if anchor.month == 2 and anchor.day == 28 and not _leap(anchor.year):
                    rows.add(("02-29", anchor))
                day += timedelta(1)
        table, table_params = d.values(sorted(rows), ("md", "anchor"), "w", ("text", "date"))
        params.update(table_params)
        sql = (
            f"SELECT r.*, c.id AS customer_id, CAST(NULL AS bigint) AS vehicle_id, {d.text('c.id')} AS subject, "
            f"{d.text('w.anchor')} AS period, w.anchor AS subject_date, {d.add_days('w.anchor', 'r.off')} AS due_date, "
            f"{SUBJECT_COLS} FROM customers_customer c JOIN {table} ON {d.month_day('c.birthday')} = w.md "
            f"JOIN {{rules}} ON r.sid = c.home_store_id "
            f"WHERE c.group_id = %(group)s AND c.birthday IS NOT NULL AND {FILTERS}"
        )
        return sql, params

    if trigger == Trigger.DORMANT:
        # The customer's last visit (any vehicle), else the day they became a customer; dormant
        # `every_months` later (6 when not set). One touch per dormancy: the key names the last visit.
        last_visit = (
            "SELECT sr.customer_id, MAX(sr.date) AS last_visit FROM vehicles_servicerecord sr "
            f"WHERE sr.store_id IN ({GROUP_STORES}) GROUP BY sr.customer_id"
        )
        since = f"COALESCE(lv.last_visit, c.known_since, {d.local_date('c.created_at')})"
        dormant_on = d.add_months("x.since", "CASE WHEN r.months > 0 THEN r.months ELSE 6 END")
        sql = (
            f"SELECT r.*, x.id AS customer_id, CAST(NULL AS bigint) AS vehicle_id, {d.text('x.id')} AS subject, "
            f"{d.text('x.since')} AS period, {dormant_on} AS subject_date, {d.add_days(dormant_on, 'r.off')} AS due_date, "
            f"x.priority, x.manager_id, x.preferred_time "
            f"FROM (SELECT c.id, c.home_store_id, c.marketing_consent, c.behaviour_type, {since} AS since, {SUBJECT_COLS} "
            f"FROM customers_customer c LEFT JOIN ({last_visit}) lv ON lv.customer_id = c.id "
            f"WHERE c.group_id = %(group)s{d.fence()}) x "
            f"JOIN {{rules}} ON r.sid = x.home_store_id WHERE " + FILTERS.replace("c.", "x.")
        )
        return sql, params

    if trigger == Trigger.KEEP_IN_TOUCH:
        # Every `every_months`, spread over the period by customer (not all on the 1st): the
        # periods that meet the window, a small table per rhythm; only customers with a manager.
        rows = set()
        for months in {max(1, row[14]) for row in rules}:
            for anchor in (window[0], window[1]):
                index = (anchor.year * 12 + anchor.month - 1) // months
                start = date(index * months // 12, index * months % 12 + 1, 1)
                rows.add((months, index, start, months * 28))
        table, table_params = d.values(
            sorted(rows), ("months", "idx", "start", "span"), "p", ("int", "int", "date", "int")
        )
        params.update(table_params)
        spread = d.add_days("p.start", "c.id %% p.span")
        sql = (
            f"SELECT r.*, c.id AS customer_id, CAST(NULL AS bigint) AS vehicle_id, {d.text('c.id')} AS subject, "
            f"{d.text('p.idx')} AS period, {spread} AS subject_date, {d.add_days(spread, 'r.off')} AS due_date, "
            f"{SUBJECT_COLS} FROM customers_customer c JOIN {{rules}} ON r.sid = c.home_store_id "
            f"JOIN {table} ON p.months = CASE WHEN r.months > 0 THEN r.months ELSE 1 END "
            f"WHERE c.group_id = %(group)s AND c.customer_manager_id IS NOT NULL AND {FILTERS}"
        )
        return sql, params
    raise ValueError(f"not a date trigger: {trigger}")


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


INSERT_COLUMNS = (
    "store_id, kind, customer_id, vehicle_id, rule_id, key, subject_date, priority, due_at, assigned_to_id, "
    "channel, preferred_time, consent, state, outcome, complaint, note, attempts, created_at"
)


def trigger_statement(
    trigger: str,
    rules: list[tuple[TouchRule, Store]],
    *,
    group_id: int,
    day: date,
    fallbacks: dict,
    vendor: str,
) -> tuple[str, dict]:
    """The INSERT … SELECT of one date-anchored trigger: every rule of it in every store given."""
    d = Dialect(vendor)
    window = (day - timedelta(GRACE_DAYS), day + timedelta(LOOKAHEAD_DAYS))
    rows = [_rule_row(rule, store, day, fallbacks[store.pk]) for rule, store in rules]
    inner, params = _subjects(trigger, d, window, rows)
    names = tuple(n for n, _t in RULE_COLUMNS)
    table, table_params = d.values(rows, names, "r", tuple(t for _n, t in RULE_COLUMNS))
    params.update(table_params)
    inner = inner.replace("{rules}", table)
    offset_hours = 0  # SQLite's "local date" of a timestamp: the first store's zone (one zone per group)
    if rules:
        tz = ZoneInfo(rules[0][1].time_zone or "Asia/Shanghai")
        offset_hours = int(
            datetime.combine(day, datetime.min.time(), tzinfo=tz).utcoffset().total_seconds() // 3600
        )
        params["tz"] = str(tz)
    params.update(
        group=group_id, now=timezone.now(), lo=window[0], hi=window[1], utc_offset=f"{offset_hours:+d} hours"
    )
    manager = f"CASE WHEN {works_touches_sql('s.manager_id', 's.sid')} THEN s.manager_id END"
    assignee = f"CASE WHEN s.by_manager = 1 THEN COALESCE({manager}, s.fallback) ELSE s.fallback END"
    due_at = (
        "((s.due_date)::timestamp + make_interval(hours => s.hour)) AT TIME ZONE s.tz"
        if d.pg
        else "datetime(s.due_date, s.utc_hours)"
    )
    select = (
        f"SELECT s.sid, s.kind, s.customer_id, s.vehicle_id, s.rid, s.prefix || s.subject || ':' || s.period, "
        f"s.subject_date, s.priority, {due_at}, {assignee}, s.channel, s.preferred_time, TRUE, 'open', '', FALSE, '', 0, "
        f"%(now)s FROM ({inner}) s WHERE s.due_date BETWEEN %(lo)s AND %(hi)s"
    )
    if d.pg:
        return f"INSERT INTO followups_followup ({INSERT_COLUMNS}) {select} ON CONFLICT DO NOTHING", params
    return f"INSERT OR IGNORE INTO followups_followup ({INSERT_COLUMNS}) {select}", _sqlite_params(params)


def _sqlite_params(params: dict) -> dict:
    """SQLite keeps dates as ISO text and times as UTC text, as Django writes them."""
    out = {}
    for name, value in params.items():
        if isinstance(value, datetime):
            value = timezone.make_naive(value, ZoneInfo("UTC")).isoformat(" ")
        elif isinstance(value, date):
            value = value.isoformat()
        out[name] = value
    return out


def fallback_assignees(store: Store) -> dict:
    """Who does a rule's touches in the store when the rule names a role (the first active user
    of the role), and who stands in for customers without a manager (the least loaded manager)."""
    out: dict = {}
    for user_id, role in (
        StoreMembership.objects.filter(store=store, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", "role")
    ):
        out.setdefault(role, user_id)
    from .portfolios import least_loaded_manager  # noqa: PLC0415  (portfolios imports this module)

    manager = least_loaded_manager(store)
    if manager is not None:
        out[Role.CUSTOMER_MANAGER] = manager.pk
    return out


@dataclass
class Result:
    created: int
    statements: int
    seconds: float


def generate(*, group_id: int, day: date | None = None, store: Store | None = None) -> Result:
    """Create the touches due around `day` (default today) for every store of the group (or one):
    one statement per date-anchored trigger."""
    started = clock.perf_counter()
    day = day or timezone.localdate()
    stores = [store] if store is not None else list(Store.objects.filter(group_id=group_id).order_by("code"))
    by_trigger: dict[str, list] = {}
    fallbacks = {}
    for s in stores:
        fallbacks[s.pk] = fallback_assignees(s)
        for rule in effective_rules(s):
            if rule.trigger in DATE_TRIGGERS:
                by_trigger.setdefault(rule.trigger, []).append((rule, s))
    created = statements = 0
    for trigger in DATE_TRIGGERS:
        rules = by_trigger.get(trigger)
        if not rules:
            continue
        sql, params = trigger_statement(
            trigger, rules, group_id=group_id, day=day, fallbacks=fallbacks, vendor=connection.vendor
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            created += max(cursor.rowcount, 0)
        statements += 1
    seconds = clock.perf_counter() - started
    if store is None:
        TouchPlanRun.objects.update_or_create(
            group_id=group_id, day=day, defaults={"created": created, "seconds": round(seconds, 3)}
        )
    return Result(created, statements, seconds)


# --- Event-anchored rules ------------------------------------------------------------------------


def touches_for_event(
    *, store: Store, trigger: str, customer, at: datetime, subject: str, vehicle=None, repair_order=None,
    consent: bool = True, preferred_time: str = "", assignee_override=None,
) -> list[FollowUp]:  # fmt: skip
    """The touches an event calls for (every active rule of the trigger in the store), created
    once per event subject (`subject`, e.g. "ro:123"): an event handled twice creates nothing
    twice. Returns the touches created now."""
    fallback = None
    rows = []
    here: dict[str, bool] = {}  # whether the customer's manager works here, asked once if a rule needs it

    def manager_works_here() -> bool:
        if "manager" not in here:
            here["manager"] = works_touches(customer.customer_manager_id, store)
        return here["manager"]

    tier_priority = {"loyal": 0, "opportunity": 1, "marginal": 2}.get(customer.value_tier, 3)
    for rule in effective_rules(store, trigger=trigger):
        if rule.marketing and not customer.marketing_consent:
            continue
        if rule.behaviour_type and rule.behaviour_type != (customer.behaviour_type or "unknown"):
            continue
        if assignee_override is not None:
            user_id = assignee_override
        elif rule.assignee == MANAGER and customer.customer_manager_id and manager_works_here():
            user_id = customer.customer_manager_id
        else:
            fallback = fallback if fallback is not None else fallback_assignees(store)
            role = Role.CUSTOMER_MANAGER if rule.assignee == MANAGER else rule.assignee
            user_id = fallback.get(role) or (
                fallback.get(Role.CUSTOMER_CARE) if rule.assignee == MANAGER else None
            )
        rows.append(
            FollowUp(
                store=store,
                kind=rule.kind,
                customer=customer,
                vehicle=vehicle,
                repair_order=repair_order,
                rule=rule,
                key=f"{rule.code}:{subject}",
                priority=tier_priority,
                due_at=at + timedelta(days=rule.offset_days, hours=rule.offset_hours),
                assigned_to_id=user_id,
                channel=rule.channel,
                preferred_time=preferred_time or customer.preferred_time,
                consent=consent,
            )  # fmt: skip
        )
    if not rows:
        return []
    keys = [r.key for r in rows]
    existing = set(FollowUp.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [r for r in rows if r.key not in existing]
    FollowUp.objects.bulk_create(fresh, ignore_conflicts=True)
    return list(FollowUp.objects.filter(key__in=[r.key for r in fresh]))
