"""Every page with a record in its URL, walked as a user of another dealer group: nothing is shown
and nothing changes. New URL patterns are covered automatically; a parameter this test cannot fill
fails the test, so that whoever adds it extends the map below."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from dms.customers.models import Customer
from dms.vehicles.models import Vehicle


def _walk(resolver, prefix="", namespace=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield namespace, prefix + str(p.pattern), p


def _service_records(vehicle) -> dict:
    """An appointment, a part and a repair order of our store, built by its service manager."""
    from datetime import time, timedelta

    from django.utils import timezone

    from conftest import make_user
    from dms.core.roles import Role
    from dms.core.tenancy import resolve_tenant
    from dms.parts.services import part_create
    from dms.scheduling.models import OpeningHours, WorkshopHours
    from dms.scheduling.services import appointment_create
    from dms.workshop.services import repair_order_create

    store = vehicle.owner.group.stores.order_by("pk").first()
    manager = resolve_tenant(make_user("pages-mgr", store, Role.ADMINISTRATOR))  # every app's records
    hours = WorkshopHours.objects.create(store=store, slot_minutes=30, capacity=2)
    for weekday in range(7):
        OpeningHours.objects.create(workshop=hours, weekday=weekday, opens=time(8), closes=time(20))
    start = (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    appointment = appointment_create(tenant=manager, vehicle_id=vehicle.pk, start=start)
    part = part_create(tenant=manager, number="PAGES-1", name="机油滤清器", price="68.00")
    order = repair_order_create(
        tenant=manager, vehicle_id=vehicle.pk, mileage_km=vehicle.mileage_km, complaint="保养"
    )
    ids = {"scheduling": appointment.pk, "parts": part.pk, "workshop": order.pk, "action": "confirm"}
    # Each app adds the records of its pages in dms/<app>/tests/tenancy_world.py.
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("dms."):
            try:
                module = import_module(f"{config.name}.tests.tenancy_world")
            except ModuleNotFoundError:
                continue
            ids.update(module.page_ids(vehicle, manager))
    return ids


def _record_ids(customer, vehicle) -> dict:
    # By namespace, and by the parameter's name where a page of another app names a customer or car.
    ids = {"customers": customer.pk, "vehicles": vehicle.pk, "customer_id": customer.pk, "vehicle_id": vehicle.pk,
           **_service_records(vehicle)}  # fmt: skip
    try:  # the import jobs of the transfer pages, when present
        from dms.customers.models import ImportJob

        job = ImportJob.objects.filter(group_id=customer.group_id).first()
        if job:
            ids["job_id"] = job.pk
    except ImportError:
        pass
    return ids


@pytest.mark.django_db
def test_outsider_sees_and_changes_nothing_on_any_record_page(
    outsider_client, customer, vehicle, make_import_job
):
    make_import_job()
    ids = _record_ids(customer, vehicle)
    walked = 0
    before = (Customer.objects.get(pk=customer.pk).version, Vehicle.objects.get(pk=vehicle.pk).version)
    for namespace, route, pattern in _walk(get_resolver()):
        params = pattern.pattern.converters
        # Public pages: the booking page takes no record; the customer pages (c/) open by a signed
        # link, whoever holds it (dms/portal/tests prove a forged or expired link opens nothing).
        if not params or route.startswith(("admin/", "api/", "appointments/book/", "c/")):
            continue
        url = "/" + route
        for name in params:
            key = name if name in ids else namespace
            assert key in ids, f"no record to fill <{name}> of /{route}: extend _record_ids"
            url = url.replace(f"<int:{name}>", str(ids[key])).replace(f"<{name}>", str(ids[key]))
        for method in ("get", "post"):
            response = getattr(outsider_client, method)(url)
            allowed = {404, 405} if method == "get" else {404}  # 405: a POST-only action, whatever the id
            assert response.status_code in allowed, f"{method.upper()} {url} answered {response.status_code}"
            walked += 1
    assert walked >= 10
    assert (
        Customer.objects.get(pk=customer.pk).version,
        Vehicle.objects.get(pk=vehicle.pk).version,
    ) == before


@pytest.fixture
def make_import_job(tenant):
    def make():
        try:
            from dms.customers.models import ImportJob
        except ImportError:
            return None
        return ImportJob.objects.create(**_job_fields(ImportJob, tenant))

    return make


def _job_fields(model, tenant) -> dict:
    fields = {}
    names = {f.name for f in model._meta.get_fields()}
    if "group" in names:
        fields["group_id"] = tenant.group_id
    if "store" in names:
        fields["store"] = tenant.store
    for user_field in ("user", "created_by", "by"):
        if user_field in names:
            fields[user_field] = tenant.user
    return fields
