"""`make bench`: generating the day's touch plans at 1,000,000 customers (~1.2 million vehicles) on
PostgreSQL, against one hand-written INSERT … SELECT doing the same work.

Steps: create the database (BENCH_TOUCH_DATABASE_URL, its own) and migrate it; load the bench group
(bench/generate.py, 1,000,000 customers and their vehicles) unless present; give the rules
something to do, deterministically from the ids (one UPDATE per table): insurance expiries and
annual inspections spread over the coming year, a maintenance record for a third of the vehicles,
readings, birthdays as generated, consent for two customers in three, behaviour types, five
customer managers per store owning 60% of the customers. Then, BENCH_RUNS times, alternately:
empty the touches, time `dms.followups.generation.generate(group, day)` (one INSERT … SELECT per
trigger, as the worker runs it); empty them, time the hand-written statement (below, one
INSERT … SELECT for every rule and store at once); check both created the same touches (the keys).
That is the first run: the whole window (3 days back, 7 ahead) at once. Then the daily run, as the
worker makes it every day: with the day's touches there, the next day's plan (only the day that
enters the window is new), timed for both. Prints the table and writes var/bench/touch_plans.json.
The goals: the daily run under 60 s, and each at most twice the hand-written statement's time.

Environment (all optional):
  BENCH_TOUCH_DATABASE_URL  postgres://postgres@127.0.0.1:5432/opendms_bench_touch
  BENCH_CUSTOMERS           1000000
  BENCH_RUNS                3
"""

import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402  (bench/generate.py)
import run  # noqa: E402  (bench/run.py: ensure_database, migrate, machine_speed)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opendms_bench_touch"
TZ = "Asia/Shanghai"


def log(msg: str) -> None:
    print(msg, flush=True)


def prepare(org: dict, day: date) -> None:
    """Dates, readings, consent, behaviour types, managers and maintenance records from the ids."""
    from django.db import connection

    from dms.core.models import Store, StoreMembership, User
    from dms.core.roles import Role

    stores = list(Store.objects.filter(group_id=org["group"]).order_by("code"))
    managers: list[list[int]] = []
    for store in stores:
        ids = []
        for i in range(1, 6):
            user, _ = User.objects.get_or_create(
                username=f"bench-cm{store.code}-{i}",
                defaults={"group_id": org["group"], "home_store": store, "display_name": f"客户经理{i}"},
            )
            StoreMembership.objects.update_or_create(
                user=user, store=store, defaults={"role": Role.CUSTOMER_MANAGER}
            )
            ids.append(user.pk)
        managers.append(ids)
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE vehicles_vehicle SET insurance_expiry = %(day)s::date + ((id %% 400)::int - 30), "
            "inspection_due = %(day)s::date + (((id / 7) %% 400)::int - 30), "
            "mileage_read_at = %(now)s - make_interval(days => (id %% 90)::int) WHERE group_id = %(g)s",
            {"day": day, "now": datetime.now(UTC), "g": org["group"]},
        )
        cases = " ".join(
            f"WHEN home_store_id = {store.pk} THEN (ARRAY{ids}::bigint[])[(id %% 5)::int + 1]"
            for store, ids in zip(stores, managers, strict=True)
        )
        cur.execute(
            "UPDATE customers_customer SET marketing_consent = (id %% 3 <> 0), "
            "behaviour_type = (ARRAY['', 'dominant', 'analytical', 'social'])[(id %% 4)::int + 1], "
            f"customer_manager_id = CASE WHEN id %% 10 < 6 THEN CASE {cases} END END WHERE group_id = %(g)s",
            {"g": org["group"]},
        )
        cur.execute(
            "DELETE FROM vehicles_servicerecord WHERE store_id = ANY(%(s)s)", {"s": [s.pk for s in stores]}
        )
        cur.execute(
            "INSERT INTO vehicles_servicerecord (id, vehicle_id, customer_id, store_id, date, mileage_km, kind, summary, "
            "amount_paid, amount_covered, reference, repair_days, faults, replaced_systems) "
            "SELECT v.id, v.id, v.owner_id, COALESCE(v.selling_store_id, c.home_store_id), "
            "%(day)s::date - (150 + (v.id %% 60)::int), (v.mileage_km * 0.9)::int, 'maintenance', '保养', 0, 0, '', "
            "0, '[]', '[]' "
            "FROM vehicles_vehicle v JOIN customers_customer c ON c.id = v.owner_id "
            "WHERE v.group_id = %(g)s AND v.id %% 3 = 0",
            {"day": day, "g": org["group"]},
        )
        cur.execute("ANALYZE vehicles_vehicle")
        cur.execute("ANALYZE customers_customer")
        cur.execute("ANALYZE vehicles_servicerecord")
    log(f"prepared the rules' data in {time.perf_counter() - t:.1f} s")


# One statement for the whole plan: every active rule of every store (a store's rule replacing the
# group's of the same code), every date-anchored trigger, the same window, keys and assignees as
# dms/followups/generation.py, written by hand (the customer's manager only where they work touches).
HAND_WRITTEN = """
INSERT INTO followups_followup (store_id, kind, customer_id, vehicle_id, rule_id, key, subject_date, priority, due_at,
    assigned_to_id, channel, preferred_time, consent, state, outcome, complaint, note, attempts, created_at)
WITH r AS (
    SELECT DISTINCT ON (s.id, tr.code) s.id AS sid, tr.id AS rid, tr.code, tr.trigger, tr.kind, tr.channel, tr.assignee,
           tr.offset_days AS off, tr.offset_hours AS hrs, tr.every_months AS months, tr.every_km AS km_every,
           tr.behaviour_type AS btype, tr.marketing, tr.active
    FROM core_store s JOIN followups_touchrule tr ON tr.group_id = s.group_id AND (tr.store_id IS NULL OR tr.store_id = s.id)
    WHERE s.group_id = %(g)s ORDER BY s.id, tr.code, tr.store_id NULLS LAST
), ra AS (SELECT * FROM r WHERE active),
fb AS (SELECT * FROM (VALUES {fallback}) AS f(sid, role, uid)),
days AS (
    SELECT to_char(d, 'MM-DD') AS md, d::date AS anchor FROM generate_series(%(lo)s::date - 400, %(hi)s::date + 400, '1 day') d
    UNION ALL
    SELECT '02-29', d::date FROM generate_series(%(lo)s::date - 400, %(hi)s::date + 400, '1 day') d
    WHERE to_char(d, 'MM-DD') = '02-28'
      AND NOT (extract(year FROM d)::int %% 4 = 0 AND (extract(year FROM d)::int %% 100 <> 0 OR extract(year FROM d)::int %% 400 = 0))
),
veh AS (
    SELECT v.id AS vid, c.id AS cid, COALESCE(v.selling_store_id, c.home_store_id) AS sid, v.insurance_expiry,
           v.inspection_due, v.mileage_km AS km, COALESCE(v.purchase_date, v.registration_date) AS start_date,
           (v.mileage_read_at AT TIME ZONE %(tz)s)::date AS read_date, c.value_tier, c.customer_manager_id AS mid,
           c.preferred_time, c.marketing_consent, c.behaviour_type
    FROM vehicles_vehicle v JOIN customers_customer c ON c.id = v.owner_id WHERE v.group_id = %(g)s
),
subjects AS (
    -- insurance expiry and annual inspection
    SELECT ra.*, x.cid, x.vid, x.vid::text AS subject, a.anchor::text AS period, a.anchor AS subject_date,
           a.anchor + ra.off AS due_date, x.value_tier, x.mid, x.preferred_time
    FROM ra JOIN veh x ON x.sid = ra.sid
    CROSS JOIN LATERAL (SELECT CASE ra.trigger WHEN 'insurance_expiry' THEN x.insurance_expiry ELSE x.inspection_due END AS anchor) a
    WHERE ra.trigger IN ('insurance_expiry', 'inspection_due') AND a.anchor + ra.off BETWEEN %(lo)s AND %(hi)s
      AND (NOT ra.marketing OR x.marketing_consent) AND (ra.btype = '' OR x.behaviour_type = ra.btype)
    UNION ALL
    -- maintenance: by months since the last maintenance (else the start), or earlier by the km per day
    SELECT ra.*, m.cid, m.vid, m.vid::text, m.base::text, m.due_item, m.due_item + ra.off, m.value_tier, m.mid, m.preferred_time
    FROM ra JOIN LATERAL (
        SELECT x.*, COALESCE(l.date, x.start_date) AS base,
               CASE WHEN x.read_date IS NOT NULL AND x.start_date IS NOT NULL AND x.km > 0 AND x.read_date - x.start_date > 0
                    THEN LEAST((COALESCE(l.date, x.start_date) + make_interval(months => ra.months))::date,
                               x.read_date + ((ra.km_every - (x.km - COALESCE(l.mileage_km, 0)))::float
                                              * (x.read_date - x.start_date) / x.km)::int)
                    ELSE (COALESCE(l.date, x.start_date) + make_interval(months => ra.months))::date END AS due_item
        FROM veh x LEFT JOIN LATERAL (
            SELECT sr.date, sr.mileage_km FROM vehicles_servicerecord sr WHERE sr.vehicle_id = x.vid AND sr.kind = 'maintenance'
            ORDER BY sr.date DESC, sr.id DESC LIMIT 1) l ON TRUE
        WHERE x.sid = ra.sid AND (NOT ra.marketing OR x.marketing_consent) AND (ra.btype = '' OR x.behaviour_type = ra.btype)
    ) m ON TRUE
    WHERE ra.trigger = 'maintenance_due' AND m.base IS NOT NULL AND m.due_item + ra.off BETWEEN %(lo)s AND %(hi)s
    UNION ALL
    -- birthday
    SELECT ra.*, c.id, NULL::bigint, c.id::text, w.anchor::text, w.anchor, w.anchor + ra.off, c.value_tier,
           c.customer_manager_id, c.preferred_time
    FROM ra JOIN customers_customer c ON c.home_store_id = ra.sid AND c.group_id = %(g)s AND c.birthday IS NOT NULL
    JOIN days w ON w.md = to_char(c.birthday, 'MM-DD')
    WHERE ra.trigger = 'birthday' AND w.anchor + ra.off BETWEEN %(lo)s AND %(hi)s
      AND (NOT ra.marketing OR c.marketing_consent) AND (ra.btype = '' OR c.behaviour_type = ra.btype)
    UNION ALL
    -- dormant: months after the last visit (else since they became a customer)
    SELECT ra.*, d.id, NULL::bigint, d.id::text, d.since::text, d.on_day, d.on_day + ra.off, d.value_tier,
           d.customer_manager_id, d.preferred_time
    FROM ra JOIN LATERAL (
        SELECT c.*, s.since, (s.since + make_interval(months => COALESCE(NULLIF(ra.months, 0), 6)))::date AS on_day
        FROM customers_customer c CROSS JOIN LATERAL (
            SELECT COALESCE((SELECT MAX(sr.date) FROM vehicles_servicerecord sr WHERE sr.customer_id = c.id),
                            c.known_since, (c.created_at AT TIME ZONE %(tz)s)::date) AS since) s
        WHERE c.home_store_id = ra.sid AND c.group_id = %(g)s
          AND (NOT ra.marketing OR c.marketing_consent) AND (ra.btype = '' OR c.behaviour_type = ra.btype)
    ) d ON TRUE
    WHERE ra.trigger = 'dormant' AND d.on_day + ra.off BETWEEN %(lo)s AND %(hi)s
    UNION ALL
    -- keep in touch: every `months`, spread over the period by customer, customers with a manager
    SELECT ra.*, c.id, NULL::bigint, c.id::text, p.idx::text, p.start + (c.id %% p.span)::int,
           p.start + (c.id %% p.span)::int + ra.off, c.value_tier, c.customer_manager_id, c.preferred_time
    FROM ra CROSS JOIN LATERAL (
        SELECT DISTINCT q.idx, make_date(q.idx * GREATEST(ra.months, 1) / 12, q.idx * GREATEST(ra.months, 1) %% 12 + 1, 1) AS start,
               GREATEST(ra.months, 1) * 28 AS span
        FROM (SELECT ((extract(year FROM d)::int * 12 + extract(month FROM d)::int - 1) / GREATEST(ra.months, 1)) AS idx
              FROM (VALUES (%(lo)s::date), (%(hi)s::date)) v(d)) q) p
    JOIN customers_customer c ON c.home_store_id = ra.sid AND c.group_id = %(g)s AND c.customer_manager_id IS NOT NULL
    WHERE ra.trigger = 'keep_in_touch' AND p.start + (c.id %% p.span)::int + ra.off BETWEEN %(lo)s AND %(hi)s
      AND (NOT ra.marketing OR c.marketing_consent) AND (ra.btype = '' OR c.behaviour_type = ra.btype)
)
SELECT s.sid, s.kind, s.cid, s.vid, s.rid, s.code || ':' || s.subject || ':' || s.period, s.subject_date,
       CASE s.value_tier WHEN 'loyal' THEN 0 WHEN 'opportunity' THEN 1 WHEN 'marginal' THEN 2 ELSE 3 END,
       (s.due_date::timestamp + make_interval(hours => 10 + s.hrs)) AT TIME ZONE %(tz)s,
       CASE WHEN s.assignee = 'manager' THEN COALESCE(CASE WHEN EXISTS (
           SELECT 1 FROM core_storemembership sm JOIN core_user u ON u.id = sm.user_id
           WHERE sm.user_id = s.mid AND sm.store_id = s.sid AND u.is_active AND sm.role = ANY(%(touch_roles)s)
       ) THEN s.mid END, fb.uid) ELSE fb.uid END,
       s.channel, s.preferred_time, TRUE, 'open', '', FALSE, '', 0, %(now)s
FROM subjects s LEFT JOIN fb ON fb.sid = s.sid AND fb.role = s.assignee
ON CONFLICT DO NOTHING
"""


def hand_written(org: dict, day: date) -> int:
    """The hand-written statement for `day`; returns the touches it created."""
    from django.db import connection, transaction

    from dms.core.models import Store
    from dms.core.roles import Role
    from dms.followups.generation import GRACE_DAYS, LOOKAHEAD_DAYS, TOUCH_ROLES, fallback_assignees

    rows = []
    for store in Store.objects.filter(group_id=org["group"]):
        fb = fallback_assignees(store)
        rows.append(
            f"({store.pk}, 'manager', {int(fb.get(Role.CUSTOMER_MANAGER) or fb.get(Role.CUSTOMER_CARE) or 0) or 'NULL'}::bigint)"
        )
        for role, uid in fb.items():
            rows.append(f"({store.pk}, '{role}', {int(uid)}::bigint)")
    sql = HAND_WRITTEN.replace("{fallback}", ", ".join(rows))
    params = {"g": org["group"], "lo": day - timedelta(GRACE_DAYS), "hi": day + timedelta(LOOKAHEAD_DAYS), "tz": TZ,
              "now": datetime.now(UTC), "touch_roles": list(TOUCH_ROLES)}  # fmt: skip
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def empty() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE followups_followup")


def keys() -> set[str]:
    from dms.followups.models import FollowUp

    return set(FollowUp.objects.values_list("key", flat=True))


def main() -> int:
    url = os.environ.get("BENCH_TOUCH_DATABASE_URL", DEFAULT_URL)
    customers = int(os.environ.get("BENCH_CUSTOMERS") or 1_000_000)
    runs = int(os.environ.get("BENCH_RUNS") or 3)
    run.ensure_database(url)
    generate.setup_django(url)
    run.migrate()
    data = generate.ensure_data(url, customers)
    org = data["org"]
    from django.utils import timezone

    from dms.followups.generation import generate as plan_generate
    from dms.followups.plans import ensure_defaults
    from dms.vehicles.models import Vehicle

    ensure_defaults(org["group"])
    # The rules' data is written relative to a day (15 minutes at this size on a shared 2-core
    # machine): kept with the data, and the plan generated for that day on later runs.
    marker = ROOT / "var" / "bench" / "touch_plans_prepared.json"
    kept = json.loads(marker.read_text()) if marker.exists() else {}
    mine = kept.get(url, {})
    if mine.get("customers") == customers and not data["generated"]:
        day = date.fromisoformat(mine["day"])
        log(f"rules' data prepared for {day} already")
    else:
        day = timezone.localdate()
        prepare(org, day)
        marker.parent.mkdir(parents=True, exist_ok=True)
        kept[url] = {"customers": customers, "day": day.isoformat()}
        marker.write_text(json.dumps(kept, indent=2))
    vehicles = Vehicle.objects.filter(group_id=org["group"]).count()
    speed = run.machine_speed()
    ours, theirs, created = [], [], None
    for i in range(runs):
        empty()
        t = time.perf_counter()
        result = plan_generate(group_id=org["group"], day=day)
        ours.append(time.perf_counter() - t)
        our_keys = keys()
        empty()
        t = time.perf_counter()
        n = hand_written(org, day)
        theirs.append(time.perf_counter() - t)
        hand_keys = keys()
        assert result.created == n == len(our_keys), (result.created, n, len(our_keys))
        assert our_keys == hand_keys, (
            f"{len(our_keys ^ hand_keys)} keys differ, e.g. {sorted(our_keys ^ hand_keys)[:5]}"
        )
        created = n
        log(f"run {i + 1}: generate {ours[-1]:.2f} s ({result.statements} statements), hand-written {theirs[-1]:.2f} s, "
            f"{n:,} touches")  # fmt: skip
    # The daily run: the day's touches are there; the next day adds the day that enters the window.
    from django.db import connection

    next_day = day + timedelta(days=1)
    daily_ours, daily_theirs, daily = [], [], None
    for i in range(runs):
        mark = datetime.now(UTC)
        t = time.perf_counter()
        result = plan_generate(group_id=org["group"], day=next_day)
        daily_ours.append(time.perf_counter() - t)
        with connection.cursor() as cur:
            cur.execute("DELETE FROM followups_followup WHERE created_at >= %s", [mark])
        t = time.perf_counter()
        n = hand_written(org, next_day)
        daily_theirs.append(time.perf_counter() - t)
        with connection.cursor() as cur:
            cur.execute("DELETE FROM followups_followup WHERE created_at >= %s", [mark])
        assert result.created == n, (result.created, n)
        daily = n
        log(
            f"daily run {i + 1}: generate {daily_ours[-1]:.2f} s, hand-written {daily_theirs[-1]:.2f} s, {n:,} touches"
        )
    med = statistics.median
    summary = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "customers": customers, "vehicles": vehicles,
        "day": day.isoformat(), "machine_speed_ms": speed,
        "first_run": {"touches": created, "generate_s": [round(x, 2) for x in ours],
                      "hand_written_s": [round(x, 2) for x in theirs], "ratio": round(med(ours) / med(theirs), 2)},
        "daily_run": {"touches": daily, "generate_s": [round(x, 2) for x in daily_ours],
                      "hand_written_s": [round(x, 2) for x in daily_theirs],
                      "ratio": round(med(daily_ours) / med(daily_theirs), 2)},
    }  # fmt: skip
    summary["goal_under_60_s"] = max(daily_ours) < 60
    summary["goal_ratio_2"] = summary["first_run"]["ratio"] <= 2 and summary["daily_run"]["ratio"] <= 2
    log("")
    log("| run | touches | generate (median) | hand-written INSERT … SELECT (median) | ratio |")
    log("|---|---|---|---|---|")
    for name, key in (
        ("first run (the window's 11 days)", "first_run"),
        ("daily run (the next day)", "daily_run"),
    ):
        r = summary[key]
        log(
            f"| {name} | {r['touches']:,} | {med(r['generate_s']):.1f} s | {med(r['hand_written_s']):.1f} s | {r['ratio']} |"
        )
    log(f"{vehicles:,} vehicles; machine speed {speed} ms; goals: daily run <60 s "
        f"{'met' if summary['goal_under_60_s'] else 'MISSED'}, ≤2× {'met' if summary['goal_ratio_2'] else 'MISSED'}")  # fmt: skip
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "touch_plans.json").write_text(json.dumps(summary, indent=2))
    return 0 if summary["goal_under_60_s"] and summary["goal_ratio_2"] else 1


if __name__ == "__main__":
    sys.exit(main())
