"""The customer-care desk: an agent, open follow-up calls of delivered cars, and clients."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.followups.models import FollowUp


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
def make_followup(store, vehicle, care):
    """A follow-up call of the vehicle's owner, due `due_in` from now (negative: overdue)."""

    def make(due_in=timedelta(hours=1), **fields) -> FollowUp:
        values = {
            "store": store, "kind": FollowUp.Kind.AFTER_SERVICE, "customer": vehicle.owner, "vehicle": vehicle,
            "due_at": timezone.now() + due_in, "assigned_to": care, "channel": "wechat",
            "preferred_time": "evening", "consent": True,
        }  # fmt: skip
        values.update(fields)
        return FollowUp.objects.create(**values)

    return make


@pytest.fixture
def followup(make_followup):
    return make_followup()
