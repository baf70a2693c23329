"""Nobody outside a dealer group sees or touches its records: every API route, walked as an outsider.

The routes are read from the API's own OpenAPI document, so a new endpoint is walked without
anyone remembering to add it here. For each route with a path parameter, the outsider (a service
advisor of another group) calls it with the ids of our group's records and must get the same 404
as for an id that does not exist, with nothing written. The same request made by our own service
advisor must succeed, which proves the 404 comes from tenancy and not from a bad request.
If a new route needs a record kind or a body this walk cannot build, the test fails saying what
to add to RECORDS or BODIES below.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.utils import timezone

from config.api import api
from conftest import ApiClient, make_user, valid_vin
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.customers.services import consent_set, contact_log, customer_create
from dms.vehicles.services import service_record_add, vehicle_create

PREFIX = "/api/v1"
PARAM = re.compile(r"\{(\w+)\}")
NO_SUCH_ID = 1  # opaque ids have bit 40 set: 1 is nobody's record


def openapi_routes() -> list[tuple[str, str, dict]]:
    schema = api.get_openapi_schema()
    out = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            out.append((method.upper(), path.removeprefix(PREFIX), operation))
    return out


SCHEMA = api.get_openapi_schema()
ROUTES = openapi_routes()
RECORD_ROUTES = [(m, p, op) for m, p, op in ROUTES if PARAM.search(p)]
LIST_ROUTES = [(m, p, op) for m, p, op in ROUTES if m == "GET" and not PARAM.search(p)]


def route_id(route) -> str:
    return f"{route[0]} {route[1]}"


# --- The records of a group ----------------------------------------------------------------------


@dataclass
class World:
    """One dealer group's records, as its own service advisor built them."""

    tenant: object
    api: ApiClient
    customer: object
    other_customer: object
    vehicle: object
    markers: list[str] = field(default_factory=list)  # strings that must never reach another group
    built: dict = field(default_factory=dict)  # records built on demand, by kind


def build_world(tenant, brand, *, names, mobiles, serial, wmi, plate) -> World:
    # The world's user is the group's administrator: every route is open to that role (the service
    # loop, sales, customer care), so that the control request succeeds and the outsider's 404 can
    # only come from tenancy.
    tenant = resolve_tenant(make_user(f"mgr-{tenant.store.code}", tenant.store, Role.ADMINISTRATOR))
    customer = customer_create(tenant=tenant, name=names[0], mobile=mobiles[0]).record
    other = customer_create(tenant=tenant, name=names[1], mobile=mobiles[1]).record
    vehicle = vehicle_create(
        tenant=tenant, owner_id=customer.pk, vin=valid_vin(serial, wmi=wmi), plate=plate, brand_id=brand.pk,
        model="测试车型", mileage_km=12000,
    ).record  # fmt: skip
    contact_log(tenant=tenant, customer_id=customer.pk, kind="phone", summary=f"{names[0]}的回访记录")
    consent_set(tenant=tenant, customer_id=customer.pk, granted=True, how="到店签字")
    service_record_add(
        tenant=tenant, vehicle_id=vehicle.pk, date=timezone.localdate(), mileage_km=12000,
        kind="maintenance", summary=f"{names[0]}的保养", amount_paid="380.00",
    )  # fmt: skip
    markers = [
        *names,
        *mobiles,
        vehicle.vin,
        plate,
        brand.name,
        str(customer.pk),
        str(other.pk),
        str(vehicle.pk),
    ]
    return World(tenant, ApiClient(tenant.user), customer, other, vehicle, markers)


@pytest.fixture
def ours(tenant, brand) -> World:
    return build_world(
        tenant, brand, names=["张三", "李四"], mobiles=["13812345678", "13900001111"], serial=1, wmi="LVH",
        plate="粤B12345",
    )  # fmt: skip


@pytest.fixture
def theirs(outsider_tenant, other_brand) -> World:
    return build_world(
        outsider_tenant, other_brand, names=["外人甲", "外人乙"], mobiles=["13522223333", "13544445555"],
        serial=987654, wmi="LSV", plate="桂A54321",
    )  # fmt: skip


def tomorrow_at(hour: int) -> datetime:
    return (timezone.localtime() + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)


def open_workshop(world: World) -> None:
    """The world's store takes appointments every day, 08:00-20:00, two jobs at once."""
    from dms.scheduling.models import OpeningHours, WorkshopHours

    hours, _ = WorkshopHours.objects.get_or_create(
        store=world.tenant.store, defaults={"slot_minutes": 30, "capacity": 2}
    )
    for weekday in range(7):
        OpeningHours.objects.get_or_create(
            workshop=hours, weekday=weekday, defaults={"opens": time(8), "closes": time(20)}
        )


def appointment(world: World) -> int:
    """An appointment of the world's vehicle, tomorrow at 10:00."""
    if "appointment" not in world.built:
        from dms.scheduling.services import appointment_create

        open_workshop(world)
        world.built["appointment"] = appointment_create(
            tenant=world.tenant, vehicle_id=world.vehicle.pk, start=tomorrow_at(10)
        ).pk
    return world.built["appointment"]


def part(world: World) -> int:
    """A part of the world's store with five in stock."""
    if "part" not in world.built:
        from dms.parts.services import part_create, stock_receive

        p = part_create(
            tenant=world.tenant, number=f"PN-{world.tenant.store.code}", name="机油滤清器", price="68.00"
        )
        stock_receive(tenant=world.tenant, part_id=p.pk, quantity="5")
        world.built["part"] = p.pk
    return world.built["part"]


def reservation(world: World) -> int:
    if "reservation" not in world.built:
        from dms.parts.services import reservation_create

        world.built["reservation"] = reservation_create(
            tenant=world.tenant, part_id=part(world), quantity="1", for_kind="appointment",
            for_id=appointment(world),
        ).pk  # fmt: skip
    return world.built["reservation"]


def repair_order(world: World) -> int:
    """A draft repair order of the world's vehicle with one labor line."""
    if "order" not in world.built:
        from dms.workshop.services import line_add, repair_order_create

        order = repair_order_create(
            tenant=world.tenant, vehicle_id=world.vehicle.pk, mileage_km=12500, complaint="保养"
        )
        line = line_add(
            tenant=world.tenant, order_id=order.pk, kind="labor", description="更换机油", quantity="1",
            unit_price="120.00",
        )  # fmt: skip
        world.built["order"], world.built["line"] = order.pk, line.pk
    return world.built["order"]


def order_line(world: World) -> int:
    repair_order(world)
    return world.built["line"]


def returned_part_body(world: World) -> dict:
    """One of the world's part issued to its order, so that it can come back."""
    from dms.parts.services import part_issue

    part_issue(tenant=world.tenant, part_id=part(world), quantity="1", for_id=repair_order(world))
    return {"quantity": "1", "for_id": repair_order(world)}


def appointment_body(world: World) -> dict:
    open_workshop(world)
    return {"vehicle_id": world.vehicle.pk, "start": tomorrow_at(11).isoformat()}


# How to find, in a world, the record a path parameter names. A new kind of record: add it here.
RECORDS = {
    "customer_id": lambda w: w.customer.pk,
    "vehicle_id": lambda w: w.vehicle.pk,
    "appointment_id": appointment,
    "part_id": part,
    "reservation_id": reservation,
    "order_id": repair_order,
    "line_id": order_line,
}
# A record for one parameter of one route only, when the kind in RECORDS does not fit that route
# (e.g. a settlement list needs a settled order): (path, parameter name) -> function(world).
PATH_RECORDS: dict = {}
# Path parameters that are not records: the value the walk uses (the same for every caller).
# The {action} of a path: the one given for the longest prefix of the path in ACTIONS (apps add
# theirs: ACTIONS in their tenancy_world), else "confirm".
ACTIONS: dict = {"/repair-orders": "sign"}


def _action(path: str) -> str:
    prefixes = [p for p in ACTIONS if path.startswith(p)]
    return ACTIONS[max(prefixes, key=len)] if prefixes else "confirm"


PATH_VALUES = {"action": _action}

# Bodies the generic builder cannot guess (a field typed as text that takes one of a few words).
# Keys are (method, path); values are functions of the caller's world.
BODIES = {
    ("POST", "/customers/{customer_id}/contacts"): lambda w: {"kind": "phone", "summary": "回访"},
    ("POST", "/vehicles/{vehicle_id}/service-records"): lambda w: {
        "date": timezone.localdate().isoformat(),
        "mileage_km": 12500,
        "kind": "maintenance",
        "summary": "保养",
    },
    ("POST", "/vehicles/{vehicle_id}/mileage"): lambda w: {"km": 20000},
    ("POST", "/appointments/{appointment_id}/deposit"): lambda w: {"amount": "200.00", "method": "cash"},
    ("POST", "/appointments"): appointment_body,
    ("POST", "/parts/{part_id}/reservations"): lambda w: {
        "quantity": "1",
        "for_kind": "appointment",
        "for_id": appointment(w),
    },
    ("POST", "/parts/{part_id}/issue"): lambda w: {"quantity": "1", "for_id": repair_order(w)},
    ("POST", "/parts/{part_id}/return"): returned_part_body,
    ("POST", "/repair-orders"): lambda w: {
        "vehicle_id": w.vehicle.pk,
        "mileage_km": 13000,
        "complaint": "异响",
    },
    ("POST", "/repair-orders/{order_id}/lines"): lambda w: {
        "kind": "labor",
        "description": "检查异响",
        "quantity": "0.5",
        "unit_price": "120.00",
    },
    ("POST", "/vehicles"): lambda w: {
        "customer_id": w.customer.pk,
        "vin": valid_vin(55555, wmi="LSV"),
        "brand": w.vehicle.brand.name,
        "model": "测试车型",
    },
}

# Body fields that refer to records: the caller's own records, so only the path crosses groups.
REFERENCES = {
    "customer_id": lambda w: w.customer.pk,
    "new_owner_id": lambda w: w.other_customer.pk,
    "owner_id": lambda w: w.customer.pk,
    "vehicle_id": lambda w: w.vehicle.pk,
}


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = SCHEMA["components"]["schemas"][name]
    if "anyOf" in schema:
        return resolve(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    return schema


def sample(name: str, schema: dict, world: World):
    schema = resolve(schema)
    if name in REFERENCES:
        return REFERENCES[name](world)
    if name == "version":
        return 1
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "string" and fmt == "date":
        return timezone.localdate().isoformat()
    if kind == "string" and fmt == "date-time":
        return timezone.now().isoformat()
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    return {"string": "测试", "number": 1, "boolean": True, "array": [], "object": {}}.get(kind, "测试")


def body_for(method: str, path: str, operation: dict, world: World) -> dict | None:
    if (method, path) in BODIES:
        return BODIES[(method, path)](world)
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = resolve(content["schema"])
    props = schema.get("properties", {})
    return {name: sample(name, props[name], world) for name in schema.get("required", [])}


def required_query(operation: dict, caller: World) -> dict:
    return {
        p["name"]: sample(p["name"], p.get("schema", {}), caller)
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }


def url_for(path: str, operation: dict, target: World | None, caller: World) -> str:
    def record_id(match):
        name = match.group(1)
        if name in PATH_VALUES:
            return PATH_VALUES[name](path)
        make = PATH_RECORDS.get((path, name)) or RECORDS.get(name)
        if make is None:
            pytest.fail(f"{path}: no way to build a record for {{{name}}}; add it to RECORDS in {__file__}")
        return str(NO_SUCH_ID if target is None else make(target))

    url = PARAM.sub(record_id, path)
    query = required_query(operation, caller)
    return url + ("?" + urlencode(query) if query else "")


def call(client: ApiClient, method: str, url: str, body):
    if method == "GET":
        return client.get(url)
    return client._call(method.lower(), url, body if body is not None else {})


def snapshot() -> dict:
    """Every row of every OpenDMS table: an outsider's request must leave all of it as it was."""
    rows = {}
    for model in apps.get_models():
        if model.__module__.startswith("dms."):
            rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


def _app_worlds() -> None:
    """Each app adds its record kinds and bodies in dms/<app>/tests/tenancy_world.py."""
    from importlib import import_module

    for config in apps.get_app_configs():
        if not config.name.startswith("dms."):
            continue
        try:
            module = import_module(f"{config.name}.tests.tenancy_world")
        except ModuleNotFoundError:
            continue
        RECORDS.update(module.RECORDS)
        BODIES.update(module.BODIES)
        PATH_VALUES.update(module.PATH_VALUES)
        ACTIONS.update(getattr(module, "ACTIONS", {}))
        PATH_RECORDS.update(getattr(module, "PATH_RECORDS", {}))


_app_worlds()


# --- The walk ------------------------------------------------------------------------------------


def test_the_walk_sees_the_routes_known_today():
    # If the OpenAPI document stopped listing routes, the walk below would silently walk nothing.
    walked = {route_id(r) for r in RECORD_ROUTES}
    assert {
        "GET /customers/{customer_id}", "PATCH /customers/{customer_id}",
        "GET /customers/{customer_id}/contacts", "POST /customers/{customer_id}/contacts",
        "POST /customers/{customer_id}/consent", "GET /customers/{customer_id}/history",
        "GET /vehicles/{vehicle_id}", "PATCH /vehicles/{vehicle_id}", "GET /vehicles/{vehicle_id}/mileage",
        "POST /vehicles/{vehicle_id}/mileage", "POST /vehicles/{vehicle_id}/transfer",
        "GET /vehicles/{vehicle_id}/service-records", "POST /vehicles/{vehicle_id}/service-records",
    } <= walked  # fmt: skip


def test_every_route_with_a_path_parameter_is_walked():
    # The parametrised walk was collected from the document as it is now: a route added through
    # some other door (a router mounted later, a second API object) would be missed.
    now = {route_id(r) for r in openapi_routes() if PARAM.search(r[1])}

    assert now == {route_id(r) for r in RECORD_ROUTES}
    for _m, path, _op in RECORD_ROUTES:
        missing = (
            {n for n in PARAM.findall(path) if (path, n) not in PATH_RECORDS}
            - set(RECORDS)
            - set(PATH_VALUES)
        )
        assert not missing, f"{path}: add {missing} to RECORDS (or PATH_VALUES, PATH_RECORDS) in {__file__}"


@pytest.mark.parametrize("route", RECORD_ROUTES, ids=route_id)
def test_an_outsider_gets_404_for_our_records_on_every_route(route, ours, theirs):
    method, path, operation = route
    body = body_for(method, path, operation, theirs)
    ours_url, absent_url = url_for(path, operation, ours, theirs), url_for(path, operation, None, theirs)
    before = snapshot()

    # when a service advisor of another group calls the route with our record's id
    r = call(theirs.api, method, ours_url, body)
    absent = call(theirs.api, method, absent_url, body)

    # then the answer is 404, the same as for a record that does not exist, and nothing changed
    assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.content[:300]!r}"
    assert r.json() == absent.json()
    assert snapshot() == before, f"{method} {path} wrote something for the outsider"
    text = r.content.decode()
    assert not [m for m in ours.markers if m in text]


@pytest.mark.parametrize("route", RECORD_ROUTES, ids=route_id)
def test_the_same_request_by_our_own_sa_succeeds(route, ours, theirs):
    # The control: the outsider's 404 comes from tenancy, not from a request that could not work.
    method, path, operation = route
    body = body_for(method, path, operation, ours)

    r = call(ours.api, method, url_for(path, operation, ours, ours), body)

    assert r.status_code < 400, (
        f"{method} {path}: {r.status_code} {r.content[:300]!r}; if the generated body is wrong, "
        f"add one to BODIES in {__file__}"
    )


BODY_REFERENCE_ROUTES = [
    route
    for route in ROUTES
    if route[0] != "GET"
    and route[1] != "/auth/token"
    and set(REFERENCES)
    & set(
        resolve(
            ((route[2].get("requestBody") or {}).get("content", {}).get("application/json") or {}).get(
                "schema", {}
            )
        ).get("properties", {})
    )
]


@pytest.mark.parametrize("route", BODY_REFERENCE_ROUTES, ids=route_id)
def test_an_outsider_cannot_point_a_body_at_our_records(route, ours, theirs):
    # e.g. registering their vehicle to our customer, or transferring their car to our customer
    method, path, operation = route
    props = resolve(operation["requestBody"]["content"]["application/json"]["schema"])["properties"]
    references = set(REFERENCES) & set(props)
    own = {**body_for(method, path, operation, theirs), **{n: REFERENCES[n](theirs) for n in references}}
    crossing = {**own, **{n: REFERENCES[n](ours) for n in references}}
    url = url_for(path, operation, theirs, theirs)
    before = snapshot()

    # when the outsider sends a body naming our records
    r = call(theirs.api, method, url, crossing)

    # then it is refused like an unknown record, and nothing is written
    assert r.status_code in (400, 404), f"{method} {path}: {r.status_code} {r.content[:300]!r}"
    assert snapshot() == before
    assert not [m for m in ours.markers if m in r.content.decode()]
    # and the control: the same body naming their own records works
    control = call(theirs.api, method, url, own)
    assert control.status_code < 400, f"{method} {path}: {control.status_code} {control.content[:300]!r}"


@pytest.mark.parametrize("route", LIST_ROUTES, ids=route_id)
def test_lists_show_an_outsider_none_of_our_records(route, ours, theirs):
    method, path, operation = route
    for kind in {name for _m, p, _op in RECORD_ROUTES for name in PARAM.findall(p)} & set(RECORDS):
        RECORDS[kind](ours)  # every kind of record the API serves exists, to be leaked or not
    for make in PATH_RECORDS.values():
        make(ours)
    searches = [None, "张三", "zhangsan", "zs", "13812345678", "5678", "粤B12345", "B123",
                ours.vehicle.vin, ours.vehicle.vin[-6:], "李四"]  # fmt: skip

    for q in searches:
        query = {**required_query(operation, theirs), **({"q": q} if q else {})}
        r = theirs.api.get(path, query)

        assert r.status_code == 200, f"GET {path}?q={q}: {r.status_code} {r.content[:300]!r}"
        leaked = [m for m in ours.markers if m in r.content.decode()]
        assert not leaked, f"GET {path}?q={q} shows {leaked}"


def test_our_own_sa_finds_our_records_in_the_lists(ours):
    # The control for the list walk: the searches above would find our records for us.
    customers = ours.api.get("/customers", {"q": "张三"}).json()["items"]
    vehicles = ours.api.get("/vehicles", {"q": ours.vehicle.vin[-6:]}).json()["items"]

    assert [c["id"] for c in customers] == [ours.customer.pk]
    assert [v["id"] for v in vehicles] == [ours.vehicle.pk]


def test_the_outsider_sees_their_own_records(ours, theirs):
    r = theirs.api.get("/customers")

    assert sorted(c["id"] for c in r.json()["items"]) == sorted(
        [theirs.customer.pk, theirs.other_customer.pk]
    )
