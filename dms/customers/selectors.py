"""Reads of the customer file: the one search box, lists, and the customer 360 page."""

import re
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Prefetch, QuerySet

from dms.core.tenancy import Tenant, get_scoped

from .masking import MASKED_TAIL, can_see_contact
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


_COUNTRY_CODE = re.compile(r"(?:\+|00)?86(1\d{10})")


def _normalize(q: str) -> str:
    """The text as searched: no spaces, dots, dashes or brackets; a mobile copied from a contact
    card with its country code (+86 139 0000 1111, 0086…) is its 11 national digits."""
    q = re.sub(r"[\s·\-()（）]", "", q or "")
    mobile = _COUNTRY_CODE.fullmatch(q)
    return mobile.group(1) if mobile else q


@dataclass(frozen=True)
class _SQL:
    """One branch of the search: SQL giving rows of (customer id, pinyin) in rank order."""

    sql: str
    params: list


class _Branches:
    """The branches of one search, written as SQL.

    Each branch is a prefix (or exact) match on one search key of the tenant's group, in
    code-point order of the key, ties by id, and stops at BRANCH_CAP rows. On PostgreSQL the
    search indexes (migrations 0002_search_indexes) are btrees on (group_id, key COLLATE "C", id):
    a C-collated btree serves LIKE 'x%' as a range scan, like the pattern_ops classes do, and
    unlike them also yields the rows in this ORDER BY, so the LIMIT stops the scan after
    BRANCH_CAP rows instead of fetching and sorting every match (98,000 for "wang" at 1,000,000
    customers). SQLite's default BINARY collation is the same code-point order, so both databases
    rank alike. The SQL is what the ORM wrote for these querysets (and reads the same indexes);
    written here once, because compiling five querysets per keystroke cost more CPU than
    PostgreSQL spent answering them. Every branch is scoped by the tenant's group, as
    `for_tenant` scopes querysets; a vehicle's owner is read for its pinyin and scoped likewise.
    """

    def __init__(self, tenant: Tenant):
        from dms.vehicles.models import Vehicle

        self.db = Customer.objects.db
        self.connection = connections[self.db]
        self.pg = self.connection.vendor == "postgresql"
        self.group_id = tenant.group_id
        self.customers = Customer._meta.db_table
        self.vehicles = Vehicle._meta.db_table
        self.plate_max = Vehicle._meta.get_field("plate").max_length
        self.kinds: list[str] = []
        self.parts: list[_SQL] = []

    def _match(self, column: str, value: str, exact: bool) -> tuple[str, str, str]:
        """(condition, order, parameter) for `column` equal to or starting with `value`."""
        if exact:
            condition = f"{column} = %s"
        elif self.pg:
            condition = f"{column}::text LIKE %s"
        else:
            condition = f"{column} LIKE %s ESCAPE '\\'"
        order = f'{column} COLLATE "C"' if self.pg else column
        value = value if exact else self.connection.ops.prep_for_like_query(value) + "%"
        return condition, order, value

    def customer(self, kind: str, column: str, value: str, *, exact: bool = False) -> None:
        condition, order, value = self._match(f'c."{column}"', value, exact)
        self.kinds.append(kind)
        self.parts.append(
            _SQL(
                f'SELECT c."id", c."name_pinyin" FROM "{self.customers}" c WHERE c."group_id" = %s '
                f'AND {condition} ORDER BY {order}, c."id" LIMIT {BRANCH_CAP}',
                [self.group_id, value],
            )
        )

    def vehicle(self, kind: str, column: str, value: str, *, exact: bool = False) -> None:
        condition, order, value = self._match(f'v."{column}"', value, exact)
        self.kinds.append(kind)
        self.parts.append(
            _SQL(
                f'SELECT v."owner_id", c."name_pinyin" FROM "{self.vehicles}" v '
                f'INNER JOIN "{self.customers}" c ON v."owner_id" = c."id" '
                f'WHERE v."group_id" = %s AND c."group_id" = %s AND {condition} '
                f'ORDER BY {order}, v."id" LIMIT {BRANCH_CAP}',
                [self.group_id, self.group_id, value],
            )
        )

    def plate_part(self, part: str) -> None:
        """Vehicles whose plate contains `part`: the first BRANCH_CAP by plate.

        A text longer than a plate is part of none: no query (11-digit mobiles, pinyin).

        On PostgreSQL, the trigram index (veh_s_plate_trgm) finds the matches, then they are
        sorted: the work grows with the matches, a few dozen for a part of 4 or more characters.
        Left to itself, the planner may instead walk the plate btree in plate order, filtering
        each row and hoping to meet BRANCH_CAP matches early: it guesses the matches of '%…%'
        from a histogram of 100 plates, and guesses badly ("6506" matches 101 plates of 1.2
        million; it guessed 11,868), so that walk can read the whole index (180 ms). Behind
        OFFSET 0 the inner query is planned alone, for all its rows, where the bitmap scan of the
        trigram index is the cheap plan; the sort and the LIMIT come after it, and the owners'
        pinyin last, for at most BRANCH_CAP rows.
        """
        if not 3 <= len(part) <= self.plate_max:
            return
        pattern = f"%{self.connection.ops.prep_for_like_query(part)}%"
        if not self.pg:
            self.kinds.append("plate")
            self.parts.append(
                _SQL(
                    f'SELECT v."owner_id", c."name_pinyin" FROM "{self.vehicles}" v '
                    f'INNER JOIN "{self.customers}" c ON v."owner_id" = c."id" '
                    f'WHERE v."group_id" = %s AND c."group_id" = %s AND v."plate" LIKE %s ESCAPE \'\\\' '
                    f'ORDER BY v."plate", v."id" LIMIT {BRANCH_CAP}',
                    [self.group_id, self.group_id, pattern],
                )
            )
            return
        self.kinds.append("plate")
        self.parts.append(
            _SQL(
                "SELECT m.owner_id, c.name_pinyin FROM ("
                " SELECT f.owner_id, f.plate, f.id FROM ("
                f"  SELECT owner_id, plate, id FROM {self.vehicles}"
                "  WHERE group_id = %s AND plate::text LIKE %s OFFSET 0"
                f' ) f ORDER BY f.plate COLLATE "C", f.id LIMIT {BRANCH_CAP}'
                f") m JOIN {self.customers} c ON c.id = m.owner_id WHERE c.group_id = %s",
                [self.group_id, pattern, self.group_id],
            )
        )


def _branches(tenant: Tenant, q: str) -> _Branches:
    """One index-backed query per way the text could be meant: rows of (customer id, pinyin)."""
    b = _Branches(tenant)
    upper, lower = q.upper(), q.lower()
    if q.isdigit():
        # A role that may not see contact data searches a mobile by no more than its last 4
        # digits, which the mask shows anyway: a full number (or a longer part) finds nothing
        # by mobile, so the answer cannot tell whether it is on file.
        see = can_see_contact(tenant)
        if len(q) == 11 and see:
            b.customer("mobile", "mobile", q, exact=True)
        elif 7 <= len(q) < 11 and see:
            b.customer("mobile", "mobile", q)
        elif 3 <= len(q) <= (6 if see else MASKED_TAIL):
            b.customer("mobile_tail", "mobile_tail", q[::-1])
        if len(q) >= 3:
            b.plate_part(q)
            b.vehicle("vin_tail", "vin_tail", q[::-1])
        return b
    if _CJK.search(q):
        if _PROVINCE_PLATE.match(upper):
            b.vehicle("plate", "plate", upper)
        b.customer("name", "name", q)
        b.customer("name_tail", "name_tail", q)
        return b
    if not re.fullmatch(r"[A-Za-z0-9]+", q):
        return b
    if len(q) == 17:
        b.vehicle("vin", "vin", upper, exact=True)
        return b
    if q.isalpha():
        b.customer("initials", "name_initials", lower)
        if len(q) >= 2:
            b.customer("pinyin", "name_pinyin", lower)
            # The last word of a name in Latin letters (John Smith: smith); see rules.name_keys.
            b.customer("name_tail", "name_tail", lower)
    b.plate_part(upper)
    if len(q) >= 4 and any(c.isdigit() for c in q):
        b.vehicle("vin_tail", "vin_tail", upper[::-1])
        b.vehicle("vin", "vin", upper)
    return b


def _union(branches: _Branches) -> tuple[str, list]:
    """One statement for every branch: SELECT <rank>, * FROM (<branch>) UNION ALL …

    Each branch keeps its own ORDER BY and LIMIT inside its subquery, so each is still one
    index scan that stops early; PostgreSQL and SQLite both accept this form."""
    parts, params = [], []
    for rank, part in enumerate(branches.parts):
        parts.append(f"SELECT {rank}, b{rank}.* FROM ({part.sql}) b{rank}")
        params.extend(part.params)
    return " UNION ALL ".join(parts), params


def _fetch(branches: _Branches) -> list[list[tuple[int, str]]]:
    """The (customer id, pinyin) rows of every branch, in one round trip."""
    found: list[list[tuple[int, str]]] = [[] for _ in branches.parts]
    if branches.parts:
        sql, params = _union(branches)
        with branches.connection.cursor() as cursor:
            cursor.execute(sql, params)
            for rank, pk, pinyin in cursor.fetchall():
                found[rank].append((pk, pinyin))
    return found


@dataclass
class SearchHits:
    """Which customers a search found: the count and the ids of the asked page, in rank order."""

    count: int
    ids: list[int]
    count_exact: bool = True
    kinds: list[str] = field(default_factory=list)


def search_hits(tenant: Tenant, q: str, *, limit: int = 20, offset: int = 0) -> SearchHits:
    """The one search box (see customer_search), up to the page's ids: one SQL statement."""
    q = _normalize(q)
    if not q:
        return SearchHits(0, [])
    branches = _branches(tenant, q)
    kinds = branches.kinds
    best: dict[int, tuple[int, str]] = {}  # customer id -> (first branch that found it, pinyin)
    capped = False
    for rank, rows in enumerate(_fetch(branches)):
        capped = capped or len(rows) >= BRANCH_CAP
        for pk, pinyin in rows:
            best.setdefault(pk, (rank, pinyin))
    ordered = sorted(best, key=lambda pk: (*best[pk], pk))
    return SearchHits(len(ordered), ordered[offset : offset + limit], not capped, kinds)


def customer_search(tenant: Tenant, q: str, *, limit: int = 20, offset: int = 0) -> SearchResult:
    """Customers matching one search box: name, pinyin or initials, mobile or its last digits,
    any part of a plate, a VIN or its last digits. Matches of each kind are capped at
    BRANCH_CAP (then `count_exact` is False): a person refines rather than pages that far.

    Three SQL statements whatever the text: the candidates of every branch at once (with the
    pinyin they are ranked by), the page's customers, their vehicles. The API's list reads the
    page with customer_cards instead (one statement, no model instances)."""
    hits = search_hits(tenant, q, limit=limit, offset=offset)
    items = {c.pk: c for c in with_vehicles(Customer.objects.filter(pk__in=hits.ids))} if hits.ids else {}
    return SearchResult(
        hits.count, [items[pk] for pk in hits.ids if pk in items], hits.count_exact, hits.kinds
    )


# What a list item of the API shows of a customer (dms/customers/api.py, CustomerOut).
CARD_FIELDS = (
    "id", "name", "title", "mobile", "phone2", "wechat", "email", "preferred_channel", "preferred_time",
    "marketing_consent", "occupation", "region", "address", "source", "birthday", "known_since",
    "behaviour_type", "value_tier", "value_tier_reason", "customer_manager_id", "notes", "version",
    "created_at", "updated_at",
)  # fmt: skip
CARD_VEHICLE_FIELDS = ("id", "vin", "plate", "brand", "model", "mileage_km")


def customer_cards(ids: list[int]) -> list[dict]:
    """The customers `ids` (found in the tenant's group: search_hits) in that order, as plain
    dicts of CARD_FIELDS with `store` (code of the home store) and `vehicles` (dicts of
    CARD_VEHICLE_FIELDS, by plate): one statement, customers joined to their vehicles."""
    if not ids:
        return []
    n = len(CARD_FIELDS)
    cards: dict[int, dict] = {}
    for row in _card_rows(ids):
        card = cards.get(row[0])
        if card is None:
            card = cards[row[0]] = dict(zip(CARD_FIELDS, row[:n], strict=True))
            card["store"], card["vehicles"] = row[n], []
        if row[n + 1] is not None:
            vid, vin, plate, model, km, brand = row[n + 1 :]
            card["vehicles"].append(
                {"id": vid, "vin": vin, "plate": plate, "brand": brand, "model": model, "mileage_km": km}
            )
    return [cards[pk] for pk in ids if pk in cards]


_CARD_SQL: dict[tuple[str, int], str] = {}  # (database, number of ids) -> the statement


def _card_rows(ids: list[int]):
    """Rows of customer_cards: the customer's columns, then one vehicle's (all None without one).

    On PostgreSQL the statement the ORM writes for n ids is kept and run again with other ids:
    building and compiling it cost more CPU than running it (the columns' values come back from
    psycopg as the ORM would give them: it converts none of these types on PostgreSQL).
    SQLite's values need the ORM's converters, so there the queryset runs as it is."""
    db = Customer.objects.db
    key = (db, len(ids))
    sql = _CARD_SQL.get(key)
    if sql is None:
        vehicle_columns = [f"vehicles__{f}" for f in CARD_VEHICLE_FIELDS if f != "brand"]
        qs = (
            Customer.objects.filter(pk__in=ids)
            .order_by("pk", "vehicles__plate", "vehicles__id")
            .values_list(*CARD_FIELDS, "home_store__code", *vehicle_columns, "vehicles__brand__name")
        )
        if connections[db].vendor != "postgresql":
            return list(qs)
        sql, params = qs.query.get_compiler(db).as_sql()
        if list(params) != list(ids):  # the ids are the statement's only parameters, in order
            return list(qs)
        _CARD_SQL[key] = sql
    with connections[db].cursor() as cursor:
        cursor.execute(sql, list(ids))
        return cursor.fetchall()


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


def is_customer_manager(tenant: Tenant, user_id: int) -> bool:
    """Whether the user is an active customer manager in a store of the tenant's group."""
    from dms.core.models import StoreMembership
    from dms.core.roles import Role

    return StoreMembership.objects.filter(
        user_id=user_id, user__is_active=True, user__group_id=tenant.group_id, store__group_id=tenant.group_id,
        role=Role.CUSTOMER_MANAGER,
    ).exists()  # fmt: skip
