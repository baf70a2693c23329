"""Generating touches from the plan, set-based: one INSERT … SELECT per rule and store.

`generate(group_id=…, day=…)` creates the touches of every date-anchored rule (maintenance,
insurance, annual inspection, birthday, dormant, keep in touch) whose due date falls in the window
[day − GRACE_DAYS, day + LOOKAHEAD_DAYS]: the upcoming week shows on the day's page, and a worker
that missed a weekend catches up. Event-anchored rules (a delivery, a complaint closed, a referral)
create theirs when the event happens (`touches_for_event`).

No Python loop over vehicles or customers: each rule is one statement that selects its subjects,
computes the due date, the key and the assignee in SQL, and inserts with ON CONFLICT DO NOTHING
(SQLite: INSERT OR IGNORE). A touch's `key` names its rule, subject and period
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
from dms.core.roles import Role

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

    def values(self, rows: list[tuple], names: tuple[str, ...], alias: str) -> tuple[str, dict]:
        """A small table of constants: "(VALUES …) AS alias(names)" (SQLite: SELECT … UNION ALL …)."""
        params, selects = {}, []
        for i, row in enumerate(rows):
            cells = []
            for j, value in enumerate(row):
                name = f"{alias}{i}_{j}"
                params[name] = value
                cast = ""
                if self.pg:
                    cast = (
                        "::date"
                        if isinstance(value, date)
                        else "::int"
                        if isinstance(value, int)
                        else "::text"
                    )
                cells.append(f"%({name})s{cast}")
            selects.append(cells)
        if self.pg:
            body = ", ".join("(" + ", ".join(cells) + ")" for cells in selects)
            return f"(VALUES {body}) AS {alias}({', '.join(names)})", params
        body = " UNION ALL ".join(
            "SELECT " + ", ".join(f"{c} AS {n}" for c, n in zip(cells, names, strict=True))
            for cells in selects
        )
        return f"({body}) AS {alias}", params


# --- One rule, one statement ------------------------------------------------------------------------


def _subjects(rule: TouchRule, d: Dialect, window: tuple[date, date]) -> tuple[str, dict]:
    """SELECT customer_id, vehicle_id, subject, period, subject_date, due_date, priority, manager_id,
    preferred_time: the rule's subjects in the store (%(store)s of %(group)s), before the window."""
    vehicle_cols = (
        f"c.id AS customer_id, v.id AS vehicle_id, {d.text('v.id')} AS subject, {PRIORITY} AS priority, "
        "c.customer_manager_id AS manager_id, c.preferred_time AS preferred_time"
    )
    vehicle_from = (
        "FROM vehicles_vehicle v JOIN customers_customer c ON c.id = v.owner_id "
        "WHERE v.group_id = %(group)s AND COALESCE(v.selling_store_id, c.home_store_id) = %(store)s"
    )
    customer_cols = (
        f"c.id AS customer_id, CAST(NULL AS bigint) AS vehicle_id, {d.text('c.id')} AS subject, {PRIORITY} AS priority, "
        "c.customer_manager_id AS manager_id, c.preferred_time AS preferred_time"
    )
    customer_from = "FROM customers_customer c WHERE c.group_id = %(group)s AND c.home_store_id = %(store)s"
    extra = ""
    if rule.marketing:
        extra += " AND c.marketing_consent"
    if rule.behaviour_type:
        extra += " AND c.behaviour_type = %(behaviour)s"
    params: dict = {"behaviour": "" if rule.behaviour_type == "unknown" else rule.behaviour_type}
    offset = rule.offset_days
    params["offset"] = offset

    if rule.trigger in (Trigger.INSURANCE_EXPIRY, Trigger.INSPECTION_DUE):
        column = "v.insurance_expiry" if rule.trigger == Trigger.INSURANCE_EXPIRY else "v.inspection_due"
        # The window applies to the due date = the column + offset: filter the column itself.
        params["lo_anchor"], params["hi_anchor"] = (
            window[0] - timedelta(offset),
            window[1] - timedelta(offset),
        )
        sql = (
            f"SELECT {vehicle_cols}, {d.text(column)} AS period, {column} AS subject_date, "
            f"{d.add_days(column, '%(offset)s')} AS due_date {vehicle_from}{extra} "
            f"AND {column} BETWEEN %(lo_anchor)s AND %(hi_anchor)s"
        )
        return sql, params

    if rule.trigger == Trigger.MAINTENANCE_DUE:
        # The last maintenance (date and km), else the car's start (purchase or registration, 0 km);
        # due after `every_months`, or earlier when the km driven since reach `every_km` at the
        # car's average km per day (its current reading over the days since its start).
        last = (
            "SELECT {col} FROM vehicles_servicerecord sr WHERE sr.vehicle_id = v.id "
            "AND sr.kind = 'maintenance' ORDER BY sr.date DESC, sr.id DESC LIMIT 1"
        )
        start = "COALESCE(v.purchase_date, v.registration_date)"
        read = d.local_date("v.mileage_read_at")
        inner = (
            f"SELECT v.id AS vid, c.id AS cid, ({last.format(col='sr.date')}) AS last_date, "
            f"({last.format(col='sr.mileage_km')}) AS last_km, {start} AS start_date, v.mileage_km AS km, "
            f"{read} AS read_date {vehicle_from}{extra}{d.fence()}"
        )
        base = "COALESCE(m.last_date, m.start_date)"
        by_months = d.add_months(base, "%(months)s")
        days_driven = d.days_between("m.read_date", "m.start_date")
        km_since = "(m.km - COALESCE(m.last_km, 0))"
        left_days = f"(CAST((%(km_every)s - {km_since}) AS float) * {days_driven} / m.km)"
        by_km = d.add_days("m.read_date", f"CAST({left_days} AS integer)")
        km_known = f"m.read_date IS NOT NULL AND m.start_date IS NOT NULL AND m.km > 0 AND {days_driven} > 0"
        if rule.every_km and rule.every_months:
            due_item = f"CASE WHEN {km_known} THEN {d.least(by_months, by_km)} ELSE {by_months} END"
        elif rule.every_km:
            due_item = f"CASE WHEN {km_known} THEN {by_km} END"
        else:
            due_item = by_months
        params.update(months=rule.every_months or 0, km_every=rule.every_km or 0)
        sql = (
            f"SELECT x.cid AS customer_id, x.vid AS vehicle_id, {d.text('x.vid')} AS subject, "
            f"{d.text('x.base')} AS period, x.due_item AS subject_date, {d.add_days('x.due_item', '%(offset)s')} AS due_date, "
            f"{PRIORITY} AS priority, c.customer_manager_id AS manager_id, c.preferred_time AS preferred_time "
            f"FROM (SELECT m.vid, m.cid, {base} AS base, {due_item} AS due_item FROM ({inner}) m "
            f"WHERE {base} IS NOT NULL) x JOIN customers_customer c ON c.id = x.cid"
        )
        return sql, params

    if rule.trigger == Trigger.BIRTHDAY:
        # The birthdays whose due date (birthday + offset) falls in the window: a small table of the
        # window's month-days (29 February is celebrated on the 28th in other years).
        rows = []
        day = window[0]
        while day <= window[1]:
            anchor = day - timedelta(offset)
            rows.append((f"{anchor:%m-%d}", anchor))
            if anchor.month == 2 and anchor.day == 28 and not _leap(anchor.year):
                rows.append(("02-29", anchor))
            day += timedelta(1)
        table, table_params = d.values(rows, ("md", "anchor"), "w")
        params.update(table_params)
        sql = (
            f"SELECT {customer_cols}, {d.text('w.anchor')} AS period, w.anchor AS subject_date, "
            f"{d.add_days('w.anchor', '%(offset)s')} AS due_date "
            f"FROM customers_customer c JOIN {table} ON {d.month_day('c.birthday')} = w.md "
            f"WHERE c.group_id = %(group)s AND c.home_store_id = %(store)s AND c.birthday IS NOT NULL{extra}"
        )
        return sql, params

    if rule.trigger == Trigger.DORMANT:
        # The customer's last visit (any vehicle), else the day they became a customer; dormant
        # `every_months` later. One touch per dormancy (the key names the last visit).
        last_visit = "(SELECT MAX(sr.date) FROM vehicles_servicerecord sr WHERE sr.customer_id = c.id)"
        since = f"COALESCE({last_visit}, c.known_since, {d.local_date('c.created_at')})"
        params["months"] = rule.every_months or 6
        dormant_on = d.add_months("x.since", "%(months)s")
        sql = (
            f"SELECT x.customer_id, CAST(NULL AS bigint) AS vehicle_id, {d.text('x.customer_id')} AS subject, "
            f"{d.text('x.since')} AS period, {dormant_on} AS subject_date, "
            f"{d.add_days(dormant_on, '%(offset)s')} AS due_date, x.priority, x.manager_id, x.preferred_time "
            f"FROM (SELECT c.id AS customer_id, {since} AS since, {PRIORITY} AS priority, "
            f"c.customer_manager_id AS manager_id, c.preferred_time AS preferred_time {customer_from}{extra}{d.fence()}) x"
        )
        return sql, params

    if rule.trigger == Trigger.KEEP_IN_TOUCH:
        # Every `every_months`, spread over the period by customer (not all on the 1st): the
        # periods that meet the window, as a small table; only customers with a manager.
        months = max(1, rule.every_months or 1)
        rows = []
        for anchor in {window[0], window[1]}:
            index = (anchor.year * 12 + anchor.month - 1) // months
            start = date(index * months // 12, index * months % 12 + 1, 1)
            span = months * 28
            rows.append((index, start, span))
        table, table_params = d.values(sorted(set(rows)), ("idx", "start", "span"), "p")
        params.update(table_params)
        spread = d.add_days("p.start", "c.id %% p.span")
        sql = (
            f"SELECT {customer_cols}, {d.text('p.idx')} AS period, {spread} AS subject_date, "
            f"{d.add_days(spread, '%(offset)s')} AS due_date FROM customers_customer c CROSS JOIN {table} "
            f"WHERE c.group_id = %(group)s AND c.home_store_id = %(store)s AND c.customer_manager_id IS NOT NULL{extra}"
        )
        return sql, params
    raise ValueError(f"not a date trigger: {rule.trigger}")


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


INSERT_COLUMNS = (
    "store_id, kind, customer_id, vehicle_id, rule_id, key, subject_date, priority, due_at, assigned_to_id, "
    "channel, preferred_time, consent, state, outcome, complaint, note, attempts, created_at"
)


def rule_statement(
    rule: TouchRule, store: Store, *, day: date, fallback: dict, vendor: str
) -> tuple[str, dict]:
    """The INSERT … SELECT of one date-anchored rule in one store (see the module doc)."""
    d = Dialect(vendor)
    window = (day - timedelta(GRACE_DAYS), day + timedelta(LOOKAHEAD_DAYS))
    inner, params = _subjects(rule, d, window)
    tz = ZoneInfo(store.time_zone or "Asia/Shanghai")
    hour = LOCAL_HOUR + rule.offset_hours
    offset_hours = int(
        datetime.combine(day, datetime.min.time(), tzinfo=tz).utcoffset().total_seconds() // 3600
    )
    if rule.assignee == MANAGER:
        assignee = "COALESCE(s.manager_id, CAST(%(fallback)s AS bigint))"
        params["fallback"] = fallback.get(Role.CUSTOMER_MANAGER) or fallback.get(Role.CUSTOMER_CARE)
    else:
        assignee = "CAST(%(fallback)s AS bigint)"
        params["fallback"] = fallback.get(rule.assignee)
    params.update(
        group=store.group_id, store=store.pk, kind=rule.kind, rule=rule.pk, prefix=f"{rule.code}:",
        channel=rule.channel, now=timezone.now(), lo=window[0], hi=window[1], tz=str(tz), hour=hour,
        utc_hours=f"{hour - offset_hours:+d} hours", utc_offset=f"{offset_hours:+d} hours",
    )  # fmt: skip
    key = "%(prefix)s || s.subject || ':' || s.period"
    select = (
        f"SELECT %(store)s, %(kind)s, s.customer_id, s.vehicle_id, %(rule)s, {key}, s.subject_date, s.priority, "
        f"{d.due_at('s.due_date')}, {assignee}, %(channel)s, s.preferred_time, TRUE, 'open', '', FALSE, '', 0, %(now)s "
        f"FROM ({inner}) s WHERE s.due_date BETWEEN %(lo)s AND %(hi)s"
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
    """Create the touches due around `day` (default today) for every store of the group (or one)."""
    started = clock.perf_counter()
    day = day or timezone.localdate()
    stores = [store] if store is not None else list(Store.objects.filter(group_id=group_id).order_by("code"))
    created = statements = 0
    vendor = connection.vendor
    for s in stores:
        fallback = fallback_assignees(s)
        for rule in effective_rules(s):
            if rule.trigger not in DATE_TRIGGERS:
                continue
            sql, params = rule_statement(rule, s, day=day, fallback=fallback, vendor=vendor)
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
    tier_priority = {"loyal": 0, "opportunity": 1, "marginal": 2}.get(customer.value_tier, 3)
    for rule in effective_rules(store, trigger=trigger):
        if rule.marketing and not customer.marketing_consent:
            continue
        if rule.behaviour_type and rule.behaviour_type != (customer.behaviour_type or "unknown"):
            continue
        if assignee_override is not None:
            user_id = assignee_override
        elif rule.assignee == MANAGER and customer.customer_manager_id:
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
