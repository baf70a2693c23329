"""Schemathesis over the whole OpenAPI document (issue 12): every operation, fuzzed as a service advisor
and as a service manager (make test: the advisor on SQLite, the manager on PostgreSQL), answers no 5xx, nothing outside its documented schema, only documented status
codes and content types.

The document is loaded from the WSGI application itself (no server): every operation it lists is fuzzed,
so a new route is covered without anyone adding it here. Each operation runs in its own test (one
database transaction, rolled back after it) against a small world of real records built by the tenancy
walk's builders (tests/test_tenancy_api.py): every other example has its path parameters replaced by the
ids of real records, so the fuzzer reaches the views' bodies and not only their 404s.

Bounded for CI (about 100 s on SQLite, 110 s on PostgreSQL on two cores): schemathesis' examples and
coverage phases (each field's boundaries, wrong types, missing required fields, methods not allowed) plus
MAX_EXAMPLES generated cases per operation, positive and negative; derandomized (the same requests on every
run, so a failure reproduces: the report ends with a curl line), no deadline, no shrinking, no example
database; the stateful phase off (it chains operations without bound).
"""

import itertools
import os

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from conftest import make_user
from dms.core.models import ApiToken
from dms.core.roles import Role
from tests.test_tenancy_api import (
    PATH_RECORDS,
    PATH_VALUES,
    RECORDS,
    REFERENCES,
    build_world,
    open_workshop,
)

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 6

CONFIG = SchemathesisConfig.from_dict({"phases": {"stateful": {"enabled": False}}})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

# Operations that revoke the token they are called with (logout) or every token of the user: each of
# their examples gets a fresh token, else every later example would only meet a 401. Nothing is excluded.
SELF_REVOKING = {"/api/v1/auth/logout", "/api/v1/auth/tokens/revoke-all"}

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]

ROLES = {"advisor": Role.SERVICE_ADVISOR, "manager": Role.SERVICE_MANAGER}
# Both roles, unless DMS_FUZZ_ROLES names some: make test, running SQLite and PostgreSQL side by side,
# fuzzes as the advisor on one and as the manager on the other (every operation on both databases).
ROLES = {
    name: role
    for name, role in ROLES.items()
    if name in (os.environ.get("DMS_FUZZ_ROLES") or ",".join(ROLES)).split(",")
} or ROLES


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The fuzzer calls the WSGI application itself, not Django's test client: like that client, keep
    Django from closing the database connection at the end of each request (on PostgreSQL that would end
    the test's transaction)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(tenant, brand):
    w = build_world(
        tenant, brand, names=["张三", "李四"], mobiles=["13812345678", "13900001111"], serial=1, wmi="LVH",
        plate="粤B12345",
    )  # fmt: skip
    open_workshop(w)
    return w


@pytest.fixture(params=sorted(ROLES))
def caller(request, world):
    """The user the fuzzer calls as: a service advisor or a service manager of the world's store."""
    return make_user(f"fuzz-{request.param}", world.tenant.store, ROLES[request.param])


@pytest.fixture
def bearer(caller):
    _token, raw = ApiToken.issue(caller)
    return {"Authorization": f"Bearer {raw}"}


def real_records(case, world) -> None:
    """Point the case's path parameters, and the record references of its body (vehicle_id, customer_id
    ...), at the world's records: the kinds the tenancy walk knows how to build."""
    path = case.operation.path.removeprefix("/api/v1")
    for name in list(case.path_parameters or {}):
        make = PATH_RECORDS.get((path, name)) or RECORDS.get(name)
        if make is not None:
            case.path_parameters[name] = make(world)
        elif name in PATH_VALUES:
            case.path_parameters[name] = PATH_VALUES[name](path)
    if isinstance(case.body, dict):
        for name in set(case.body) & set(REFERENCES):
            case.body[name] = REFERENCES[name](world)


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_api_keeps_to_its_document(case, world, caller, bearer, request):
    # Every other example (deterministically) on real records; the others keep the fuzzer's ids.
    counter = request.node.__dict__.setdefault("_fuzz_counter", itertools.count())
    if next(counter) % 2 == 0:
        real_records(case, world)
    if case.operation.path in SELF_REVOKING:
        bearer = {"Authorization": f"Bearer {ApiToken.issue(caller)[1]}"}

    case.call_and_validate(headers=bearer, checks=CHECKS)
