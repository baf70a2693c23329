"""Fixtures named for the people and places of a dealership (see STYLE.md), and the suite's clock."""

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as dj_settings
from django.test import Client

from dms.core.models import ApiToken, Brand, DealerGroup, Store, StoreMembership, User
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant

# The browser fixtures (one Chromium for the whole session), for every app's browser journeys.
pytest_plugins = ["tests.browser.fixtures"]

PASSWORD = "demo-pass-2026"

# --- The suite's clock -----------------------------------------------------------------------------------
# Every test starts at 10:00 Beijing time on the suite's day, the clock ticking from there: a test that
# builds data relative to now sees the same day throughout (no midnight, no evening in the middle of a
# run) whenever the suite runs. The day is today, or DMS_TEST_TODAY=YYYY-MM-DD (`make test-dates` runs the
# date-sensitive part at hard dates: a Sunday, the Spring Festival, the last day of a year, 29 February).
# A test that needs another moment travels there itself (time_machine nests); a module whose fixtures set
# the clock for all its tests says so with `pytest.mark.own_clock`. Browser tests keep the real clock:
# Chromium's own clock cannot travel, and cookies set for another day would expire in it; so does a test
# marked `real_clock` (it starts another process, which cannot travel either). Under DMS_TEST_TODAY both
# run as ever, on the real day.
BEIJING = ZoneInfo("Asia/Shanghai")

# WhiteNoise reads every collected file when a handler is made, once per test client (a tenth of a second
# each, thousands of clients in the suite); in autorefresh mode it looks a file up when one is asked for.
# The one test of production's static serving turns it off again (dms/core/tests/test_security_headers.py).
dj_settings.WHITENOISE_AUTOREFRESH = True


def suite_day() -> date:
    value = os.environ.get("DMS_TEST_TODAY", "").strip()
    if not value:
        return datetime.now(BEIJING).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"DMS_TEST_TODAY={value!r} is not a date as YYYY-MM-DD.") from None


def suite_start(hour: int = 10, minute: int = 0) -> datetime:
    """A moment of the suite's day, Beijing time (10:00 unless said otherwise)."""
    return datetime.combine(suite_day(), time(hour, minute), tzinfo=BEIJING)


def _is_browser_test(item) -> bool:
    return "tests/browser" in str(item.fspath)


@pytest.fixture(autouse=True)
def _suite_clock(request):
    """Each test starts at 10:00 Beijing on the suite's day (see above)."""
    node = request.node
    if (
        _is_browser_test(node)
        or node.get_closest_marker("real_clock")
        or node.get_closest_marker("own_clock")
    ):
        yield None
        return
    with time_machine.travel(suite_start(), tick=True) as traveller:
        yield traveller


_SNAPSHOTS: dict = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """pytest-django's test databases; on SQLite, the freshly migrated test database is also copied to a
    file at once (SQLite's backup API, a few milliseconds), for `migrated_sqlite` below: the SQLite pass
    runs the migrations once instead of once more in another process."""
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        path = tmp_path_factory.mktemp("migrated-sqlite") / "opendms.sqlite3"
        with django_db_blocker.unblock():
            connection.ensure_connection()
            snapshot = sqlite3.connect(path)
            try:
                connection.connection.backup(snapshot)
            finally:
                snapshot.close()
        _SNAPSHOTS["sqlite"] = path
    yield


@pytest.fixture(scope="session")
def migrated_sqlite(request, tmp_path_factory):
    """A SQLite database file as `manage.py migrate` leaves it (what make run starts from);
    `sqlite_var_dir` gives each test a copy of it (tests whose processes share an embedded database).
    In the SQLite pass it is the test database copied as soon as it was migrated (above); beside
    PostgreSQL, `manage.py migrate` makes it in another process."""
    import subprocess
    import sys
    from pathlib import Path

    if not os.environ.get("DATABASE_URL"):
        request.getfixturevalue("django_db_setup")
        if "sqlite" in _SNAPSHOTS:
            return _SNAPSHOTS["sqlite"]
    var = tmp_path_factory.mktemp("migrated-sqlite")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DMS_VAR_DIR": str(var)}
    root = Path(__file__).resolve().parent
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True, timeout=300
    )
    return var / "opendms.sqlite3"


@pytest.fixture
def sqlite_var_dir(migrated_sqlite, tmp_path):
    """A DMS_VAR_DIR of this test's own holding a copy of the migrated SQLite database."""
    import shutil

    shutil.copyfile(migrated_sqlite, tmp_path / migrated_sqlite.name)
    return tmp_path


def at_once(calls) -> list:
    """Run the calls in threads released together (a barrier), each with its own database
    connection; return each one's result or the exception it met. For concurrency tests on
    PostgreSQL (SQLite runs one writer at a time)."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread met
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    """Argon2 is slow on purpose (a third of a second per user on a busy machine) and the suite
    makes thousands of users; production keeps Argon2 (dms/core/tests/test_api_auth.py checks it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _outbox_checks_every_wake(settings):
    """Each test's database starts empty of outbox runs: a process's memory of a recent check
    (dms.messaging.tasks.wake) would outlive the test's rollback. Tests of that memory set it."""
    settings.DMS_OUTBOX_WAKE_SECONDS = 0


def make_user(username: str, store: Store, role: str, **extra) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        group=store.group,
        home_store=store,
        display_name=username,
        **extra,
    )
    StoreMembership.objects.create(user=user, store=store, role=role)
    return user


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded files (photos, signatures, imports) go to a folder of this test, not to var/media."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    return tmp_path


@pytest.fixture
def group(db):
    return DealerGroup.objects.create(code="DEMO", name="示范汽车集团")


@pytest.fixture
def brand(group):
    return Brand.objects.create(group=group, name="东风本田", warranty_years=3, warranty_km=100_000)


@pytest.fixture
def store(group, brand):
    s = Store.objects.create(
        group=group, code="SZ01", name="深圳一店", licence_no="粤交运管许可深字440300001号"
    )
    s.brands.add(brand)
    return s


@pytest.fixture
def second_store(group, brand):
    s = Store.objects.create(group=group, code="SZ02", name="深圳二店")
    s.brands.add(brand)
    return s


@pytest.fixture
def other_group(db):
    return DealerGroup.objects.create(code="OTHER", name="另一汽车集团")


@pytest.fixture
def other_brand(other_group):
    return Brand.objects.create(group=other_group, name="长安铃木")


@pytest.fixture
def other_group_store(other_group, other_brand):
    s = Store.objects.create(group=other_group, code="GZ01", name="广州店")
    s.brands.add(other_brand)
    return s


@pytest.fixture
def sa(store):
    return make_user("sa1", store, Role.SERVICE_ADVISOR)


@pytest.fixture
def technician(store):
    return make_user("tech1", store, Role.TECHNICIAN)


@pytest.fixture
def manager(store):
    return make_user("manager1", store, Role.SERVICE_MANAGER)


@pytest.fixture
def customer_manager(store):
    return make_user("cm1", store, Role.CUSTOMER_MANAGER)


@pytest.fixture
def outsider(other_group_store):
    return make_user("sa9", other_group_store, Role.SERVICE_ADVISOR)


@pytest.fixture
def tenant(sa):
    return resolve_tenant(sa)


@pytest.fixture
def manager_tenant(manager):
    return resolve_tenant(manager)


@pytest.fixture
def outsider_tenant(outsider):
    return resolve_tenant(outsider)


class ApiClient:
    """A JSON client for /api/v1 with a bearer token, speaking a chosen language."""

    def __init__(self, user: User | None, language: str = "zh-hans"):
        self.client = Client()
        self.headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if user is not None:
            _token, raw = ApiToken.issue(user)
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"

    def _call(self, method, path, data=None, **headers):
        kwargs = {**self.headers, **headers}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path, data=None, **h):
        return self.client.get(f"/api/v1{path}", data=data, **{**self.headers, **h})

    def post(self, path, data=None, **h):
        return self._call("post", path, data if data is not None else {}, **h)

    def patch(self, path, data=None, **h):
        return self._call("patch", path, data, **h)

    def delete(self, path, **h):
        return self._call("delete", path, **h)


@pytest.fixture
def api(sa):
    return ApiClient(sa)


@pytest.fixture
def api_en(sa):
    return ApiClient(sa, language="en")


@pytest.fixture
def manager_api(manager):
    return ApiClient(manager)


@pytest.fixture
def outsider_api(outsider):
    return ApiClient(outsider)


@pytest.fixture
def anonymous_api(db):
    return ApiClient(None)


@pytest.fixture
def sa_client(sa):
    c = Client()
    c.force_login(sa)
    return c


@pytest.fixture
def outsider_client(outsider):
    c = Client()
    c.force_login(outsider)
    return c


def valid_vin(serial: int = 12345, wmi: str = "LVH") -> str:
    from dms.vehicles.rules import vin_check_digit

    body = f"{wmi}RU1840N5{serial:06d}"
    vin = body[:8] + "0" + body[9:]
    return vin[:8] + vin_check_digit(vin) + vin[9:]


@pytest.fixture
def customer(tenant):
    from dms.customers.services import customer_create

    return customer_create(tenant=tenant, name="张三", mobile="13812345678", title="mr").record


@pytest.fixture
def vehicle(tenant, customer, brand):
    from dms.vehicles.services import vehicle_create

    return vehicle_create(
        tenant=tenant, owner_id=customer.pk, vin=valid_vin(1), plate="粤B12345", brand_id=brand.pk,
        model="思域", mileage_km=12000,
    ).record  # fmt: skip
