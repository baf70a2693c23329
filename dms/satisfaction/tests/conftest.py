"""The complaint desk: a care agent, the service manager, a repair order of the customer, clients."""

import pytest
from django.test import Client

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant


@pytest.fixture
def care(store):
    return make_user("care1", store, Role.CUSTOMER_CARE)


@pytest.fixture
def care_tenant(care):
    return resolve_tenant(care)


@pytest.fixture
def care_api(care):
    return ApiClient(care)


@pytest.fixture
def care_api_en(care):
    return ApiClient(care, language="en")


@pytest.fixture
def care_client(care):
    c = Client()
    c.force_login(care)
    return c


@pytest.fixture
def manager_client(manager):
    c = Client()
    c.force_login(manager)
    return c


@pytest.fixture
def order(tenant, vehicle):
    from dms.workshop.services import repair_order_create

    return repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=13000, complaint="保养")


@pytest.fixture
def open_case(store, customer, care, order):
    from dms.satisfaction.services import complaint_open

    return complaint_open(
        store=store, customer=customer, category="waiting", severity="medium", repair_order=order,
        description="交车晚了两个小时，没有人提前通知。", actor=care,
    )  # fmt: skip


@pytest.fixture
def delivered_order(order, technician, store):
    """The order, delivered (its steps are the workshop's business, not this app's)."""
    from django.utils import timezone

    from dms.scheduling.models import Technician
    from dms.workshop.models import RepairOrder

    tech = Technician.objects.create(store=store, user=technician)
    RepairOrder.objects.filter(pk=order.pk).update(
        state="delivered", delivered_at=timezone.now(), technician=tech
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def survey(group):
    from dms.satisfaction.surveys import survey_default

    return survey_default(group)


def answers_for(survey, overall: int, **by_topic) -> list[dict]:
    out = []
    for q in survey.questions.all():
        if q.topic == "overall":
            out.append({"question_id": q.pk, "score": overall})
        elif q.kind == "score" and q.topic in by_topic:
            out.append({"question_id": q.pk, "score": by_topic[q.topic]})
        elif q.kind == "text" and "text" in by_topic:
            out.append({"question_id": q.pk, "text": by_topic["text"]})
    return out
