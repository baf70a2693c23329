"""Reads of the customer file: the one search box, lists, and the customer 360 page."""

import re
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Collate

from dms.core.tenancy import Tenant, get_scoped

from .models import Customer

BRANCH_CAP = 200  # candidates per kind of match; a page of hits never needs more
_CJK = re.compile(r"[\u3400-\u9fff]")
_PROVINCE_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z0-9]")


@dataclass
class SearchResult:
    count: int
    items: list[Customer]
    count_exact: bool = True
    kinds: list[str] = field(default_factory=list)


def _normalize(q: str) -> str:
    return re.sub(r"[\s·\-]", "", q or "").strip()


def _by(qs: QuerySet, column: str) -> QuerySet:
    """`qs` in code-point order of `column`, ties by id.

    On PostgreSQL the search indexes (migrations 0002_search_indexes) are btrees on
    (group_id, column COLLATE "C", id): a C-collated btree serves LIKE 'x%' as a range scan, like
    the pattern_ops classes do, and unlike them also yields the rows in this ORDER BY, so the
    LIMIT stops the scan after BRANCH_CAP rows instead of fetching and sorting every match (98,000
    for "wang" at 1,000,000 customers). SQLite's default BINARY collation is the same code-point
    order, so both databases rank alike.
    """
    if connections[qs.db].vendor == "postgresql":
        return qs.order_by(Collate(column, "C"), "pk")
    return qs.order_by(column, "pk")


@dataclass(frozen=True)
class _SQL:
    """A branch in SQL, where the ORM cannot say it (see _plate_part_sql)."""

    sql: str
    params: list
    db: str


def _plate_part_sql(tenant: Tenant, part: str, db: str) -> _SQL:
    """Vehicles whose plate contains `part`, on PostgreSQL: the first BRANCH_CAP by plate.

    The trigram index (veh_s_plate_trgm) finds the matches, then they are sorted: the work grows
    with the matches, a few dozen for a part of 4 or more characters. Left to itself, the
    planner may instead walk the plate btree in plate order, filtering each row and hoping to
    meet BRANCH_CAP matches early: it guesses the matches of '%…%' from a histogram of 100
    plates, and guesses badly ("6506" matches 101 plates of 1.2 million; it guessed 11,868), so
    that walk can read the whole index (180 ms). Behind OFFSET 0 the inner query is planned
    alone, for all its rows, where the bitmap scan of the trigram index is the cheap plan; the
    sort and the LIMIT come after it, and the owners' pinyin last, for at most BRANCH_CAP rows.
    """
    from dms.vehicles.models import Vehicle

    pattern = f"%{connections[db].ops.prep_for_like_query(part)}%"
    sql = (
        "SELECT m.owner_id, c.name_pinyin FROM ("
        " SELECT f.owner_id, f.plate, f.id FROM ("
        f"  SELECT owner_id, plate, id FROM {Vehicle._meta.db_table}"
        "  WHERE group_id = %s AND plate::text LIKE %s OFFSET 0"
        f' ) f ORDER BY f.plate COLLATE "C", f.id LIMIT {BRANCH_CAP}'
        f") m JOIN {Customer._meta.db_table} c ON c.id = m.owner_id WHERE c.group_id = %s"
    )
    return _SQL(sql, [tenant.group_id, pattern, tenant.group_id], db)


def _branches(tenant: Tenant, q: str) -> list[tuple[str, QuerySet | _SQL]]:
    """One index-backed query per way the text could be meant: rows of (customer id, pinyin)."""
    from dms.vehicles.models import Vehicle

    customers = Customer.objects.for_tenant(tenant)
    # The owner is read for its pinyin (the rank's tie-break) and scoped like any customer.
    vehicles = Vehicle.objects.for_tenant(tenant).filter(owner__group_id=tenant.group_id)
    upper, lower = q.upper(), q.lower()
    out: list[tuple[str, QuerySet]] = []

    def cust(kind, qs, column):
        out.append((kind, _by(qs, column).values_list("pk", "name_pinyin")[:BRANCH_CAP]))

    def veh(kind, qs, column):
        out.append((kind, _by(qs, column).values_list("owner_id", "owner__name_pinyin")[:BRANCH_CAP]))

    def plate_part(part):
        # A text longer than a plate is part of none: no query (11-digit mobiles, pinyin).
        if not 3 <= len(part) <= Vehicle._meta.get_field("plate").max_length:
            return
        if connections[vehicles.db].vendor == "postgresql":
            out.append(("plate", _plate_part_sql(tenant, part, vehicles.db)))
        else:
            veh("plate", vehicles.filter(plate__contains=part), "plate")

    if q.isdigit():
        if len(q) == 11:
            cust("mobile", customers.filter(mobile=q), "mobile")
        elif len(q) >= 7:
            cust("mobile", customers.filter(mobile__startswith=q), "mobile")
        elif len(q) >= 3:
            cust("mobile_tail", customers.filter(mobile_tail__startswith=q[::-1]), "mobile_tail")
        if len(q) >= 3:
            plate_part(q)
            veh("vin_tail", vehicles.filter(vin_tail__startswith=q[::-1]), "vin_tail")
        return out
    if _CJK.search(q):
        if _PROVINCE_PLATE.match(upper):
            veh("plate", vehicles.filter(plate__startswith=upper), "plate")
        cust("name", customers.filter(name__startswith=q), "name")
        if len(q) >= 1:
            cust("name_tail", customers.filter(name_tail__startswith=q), "name_tail")
        return out
    if not re.fullmatch(r"[A-Za-z0-9]+", q):
        return out
    if len(q) == 17:
        veh("vin", vehicles.filter(vin=upper), "vin")
        return out
    if q.isalpha():
        cust("initials", customers.filter(name_initials__startswith=lower), "name_initials")
        if len(q) >= 2:
            cust("pinyin", customers.filter(name_pinyin__startswith=lower), "name_pinyin")
    plate_part(upper)
    if len(q) >= 4 and any(c.isdigit() for c in q):
        veh("vin_tail", vehicles.filter(vin_tail__startswith=upper[::-1]), "vin_tail")
        veh("vin", vehicles.filter(vin__startswith=upper), "vin")
    return out


def _union(branches: list[tuple[str, QuerySet | _SQL]]) -> tuple[str, list]:
    """One statement for every branch: SELECT <rank>, * FROM (<branch>) UNION ALL …

    Each branch keeps its own ORDER BY and LIMIT inside its subquery, so each is still one
    index scan that stops early; PostgreSQL and SQLite both accept this form."""
    db = branches[0][1].db
    parts, params = [], []
    for rank, (_kind, qs) in enumerate(branches):
        sql, p = (qs.sql, qs.params) if isinstance(qs, _SQL) else qs.query.get_compiler(db).as_sql()
        parts.append(f"SELECT {rank}, b{rank}.* FROM ({sql}) b{rank}")
        params.extend(p)
    return " UNION ALL ".join(parts), params


def _fetch(branches: list[tuple[str, QuerySet | _SQL]]) -> list[list[tuple[int, str]]]:
    """The (customer id, pinyin) rows of every branch, in one round trip."""
    found: list[list[tuple[int, str]]] = [[] for _ in branches]
    if branches:
        sql, params = _union(branches)
        with connections[branches[0][1].db].cursor() as cursor:
            cursor.execute(sql, params)
            for rank, pk, pinyin in cursor.fetchall():
                found[rank].append((pk, pinyin))
    return found


def customer_search(tenant: Tenant, q: str, *, limit: int = 20, offset: int = 0) -> SearchResult:
    """Customers matching one search box: name, pinyin or initials, mobile or its last digits,
    any part of a plate, a VIN or its last digits. Matches of each kind are capped at
    BRANCH_CAP (then `count_exact` is False): a person refines rather than pages that far.

    Three SQL statements whatever the text: the candidates of every branch at once (with the
    pinyin they are ranked by), the page's customers, their vehicles."""
    q = _normalize(q)
    if not q:
        return SearchResult(0, [])
    branches = _branches(tenant, q)
    kinds = [k for k, _ in branches]
    best: dict[int, tuple[int, str]] = {}  # customer id -> (first branch that found it, pinyin)
    capped = False
    for rank, rows in enumerate(_fetch(branches)):
        capped = capped or len(rows) >= BRANCH_CAP
        for pk, pinyin in rows:
            best.setdefault(pk, (rank, pinyin))
    if not best:
        return SearchResult(0, [], kinds=kinds)
    ordered = sorted(best, key=lambda pk: (*best[pk], pk))
    page = ordered[offset : offset + limit]
    items = {c.pk: c for c in with_vehicles(Customer.objects.filter(pk__in=page))} if page else {}
    return SearchResult(len(ordered), [items[pk] for pk in page if pk in items], not capped, kinds)


def with_vehicles(qs: QuerySet) -> QuerySet:
    from dms.vehicles.models import Vehicle

    return qs.select_related("customer_manager", "home_store").prefetch_related(
        Prefetch("vehicles", queryset=Vehicle.objects.select_related("brand").order_by("plate"))
    )


def customer_list(
    tenant: Tenant, *, tier: str = "", manager_id: int | None = None, limit: int = 50, offset: int = 0
):
    qs = Customer.objects.for_tenant(tenant)
    if tier:
        qs = qs.filter(value_tier=tier)
    if manager_id:
        qs = qs.filter(customer_manager_id=manager_id)
    count = qs.count()
    items = list(with_vehicles(qs.order_by("name_pinyin", "pk"))[offset : offset + limit])
    return SearchResult(count, items)


def customer_get(tenant: Tenant, customer_id) -> Customer:
    return get_scoped(with_vehicles(Customer.objects.all()), tenant, pk=customer_id)
