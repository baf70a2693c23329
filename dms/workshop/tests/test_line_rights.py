"""Who may add what to an order (issue 12): a technician proposes lines on their own jobs only and
cannot set payer, price or discount; only customer-paid extra work counts as pre-authorised."""

import pytest

from dms.core.errors import Forbidden
from dms.core.tenancy import resolve_tenant
from dms.workshop import services
from dms.workshop.models import LineState


@pytest.fixture
def working_order(people, vehicle, oil_change, tech):
    o = services.repair_order_create(
        tenant=people["sa"],
        vehicle_id=vehicle.pk,
        mileage_km=15000,
        complaint="保养",
        preauth_amount="500.00",
    )
    services.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    services.order_sign(tenant=people["sa"], order_id=o.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=o.pk)
    return o


def test_a_technician_cannot_add_lines_to_a_job_dispatched_to_someone_else(
    working_order, other_tech, oil_filter
):
    someone_else = resolve_tenant(other_tech.user)
    with pytest.raises(Forbidden):
        services.line_add(tenant=someone_else, order_id=working_order.pk, kind="part", part_id=oil_filter.pk,
                          quantity="1")  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"),
    [("payer", "insurer"), ("payer", "warranty"), ("unit_price", "1.00"), ("discount", "50")],
)
def test_a_technician_cannot_set_payer_price_or_discount(working_order, people, oil_filter, field, value):
    with pytest.raises(Forbidden) as exc:
        services.line_add(tenant=people["tech"], order_id=working_order.pk, kind="part", part_id=oil_filter.pk,
                          quantity="1", **{field: value})  # fmt: skip
    assert exc.value.field == field


def test_the_technician_still_proposes_on_their_own_job(working_order, people, oil_filter):
    line = services.line_add(
        tenant=people["tech"], order_id=working_order.pk, kind="part", part_id=oil_filter.pk, quantity="1"
    )
    assert line.state == LineState.APPROVED  # within the customer's pre-authorisation


@pytest.mark.parametrize("payer", ["insurer", "warranty"])
def test_a_line_paid_by_an_insurer_or_the_warranty_waits_for_the_advisor(
    working_order, people, oil_filter, payer
):
    line = services.line_add(tenant=people["sa"], order_id=working_order.pk, kind="part", part_id=oil_filter.pk,
                             quantity="1", unit_price="99999.00", payer=payer,
                             warranty_reason="三包期内")  # fmt: skip
    assert line.state == LineState.PROPOSED and line.approved_by_method != "preauthorised"


def test_the_order_page_offers_a_technician_only_what_they_may_propose(working_order, oil_filter, tech):
    from django.test import Client
    from django.urls import reverse

    c = Client()
    c.force_login(tech.user)
    html = c.get(reverse("workshop:detail", args=[working_order.pk])).content.decode()
    r = c.post(
        reverse("workshop:line_create", args=[working_order.pk]),
        {"kind": "part", "part": oil_filter.pk, "quantity": "1", "version": ""},
    )

    assert 'name="quantity"' in html and 'name="part"' in html
    assert not any(f'name="{f}"' in html for f in ("unit_price", "discount", "payer", "warranty"))
    assert r.status_code == 302
    assert working_order.lines.filter(part=oil_filter, payer="customer").exists()
