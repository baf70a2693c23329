"""Parts and stock, as the parts clerk, the service advisor and the workshop use them."""

from decimal import Decimal

import pytest

from dms.core.errors import Conflict, DomainError, Forbidden, NotFound
from dms.core.tenancy import resolve_tenant
from dms.parts import links, selectors, services
from dms.parts.models import Part, Reservation, StockLevel, StockMove

from .conftest import APPOINTMENT_ID, RO2_ID, RO_ID, level_of

D = Decimal


def fields(exc) -> set:
    """The fields a DomainError names."""
    return {e["field"] for e in exc.value.errors} or {exc.value.field}


# --- The catalogue -----------------------------------------------------------------------------------


def test_a_part_number_is_kept_upper_case_without_spaces(oil_filter):
    assert oil_filter.number == "15400-RTA-003"
    assert (oil_filter.price, oil_filter.min_stock, oil_filter.version) == (D("68.00"), D("2.00"), 1)


def test_a_part_number_is_unique_in_the_group(clerk_tenant, oil_filter):
    with pytest.raises(DomainError) as exc:
        services.part_create(tenant=clerk_tenant, number=" 15400-rta-003", name="另一个")
    assert fields(exc) == {"number"}
    assert Part.objects.count() == 1


def test_another_group_may_use_the_same_part_number(oil_filter, outsider_clerk):
    other = services.part_create(tenant=resolve_tenant(outsider_clerk), number="15400-RTA-003", name="机滤")
    assert other.group_id != oil_filter.group_id


def test_bad_part_fields_are_all_named_at_once(clerk_tenant):
    with pytest.raises(DomainError) as exc:
        services.part_create(
            tenant=clerk_tenant, number="机滤", name=" ", unit="barrel", price="-1", quality="new"
        )
    assert fields(exc) == {"number", "name", "unit", "price", "quality"}


def test_a_part_counted_in_pieces_has_a_whole_minimum(clerk_tenant):
    with pytest.raises(DomainError) as exc:
        services.part_create(tenant=clerk_tenant, number="A-1", name="火花塞", unit="piece", min_stock="1.5")
    assert fields(exc) == {"min_stock"}


def test_a_stale_version_changes_nothing(clerk_tenant, oil_filter):
    services.part_update(tenant=clerk_tenant, part_id=oil_filter.pk, version=1, price="72.00")
    with pytest.raises(Conflict):
        services.part_update(tenant=clerk_tenant, part_id=oil_filter.pk, version=1, name="改名")
    part = Part.objects.get(pk=oil_filter.pk)
    assert (part.price, part.name, part.version) == (D("72.00"), "机油滤清器", 2)


def test_a_service_advisor_cannot_change_the_catalogue(tenant, oil_filter):
    with pytest.raises(Forbidden):
        services.part_create(tenant=tenant, number="X-1", name="雨刮片")
    with pytest.raises(Forbidden):
        services.part_update(tenant=tenant, part_id=oil_filter.pk, version=1, price="1.00")


def test_parts_of_another_group_are_not_found(oil_filter, outsider_clerk):
    outsider = resolve_tenant(outsider_clerk)
    for call in (
        lambda: services.stock_receive(tenant=outsider, part_id=oil_filter.pk, quantity=1),
        lambda: services.part_update(tenant=outsider, part_id=oil_filter.pk, version=1, name="x"),
        lambda: services.part_issue(tenant=outsider, part_id=oil_filter.pk, quantity=1, for_id=RO_ID),
        lambda: selectors.part_get(outsider, oil_filter.pk),
    ):
        with pytest.raises(NotFound):
            call()


# --- Receiving and counting --------------------------------------------------------------------------


def test_goods_received_are_on_hand_with_a_move(clerk_tenant, oil_filter, store):
    move = services.stock_receive(
        tenant=clerk_tenant, part_id=oil_filter.pk, quantity="5", reference="DN-0418"
    )
    assert level_of(oil_filter, store) == (D(5), D(0), D(0))
    assert (move.kind, move.quantity, move.on_hand_after, move.reference, move.by) == (
        "receipt",
        D(5),
        D(5),
        "DN-0418",
        clerk_tenant.user,
    )


def test_oil_is_received_in_litres_with_decimals(clerk_tenant, engine_oil, store):
    services.stock_receive(tenant=clerk_tenant, part_id=engine_oil.pk, quantity="18.5")
    assert level_of(engine_oil, store)[0] == D("18.50")


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "0.001", "abc", "NaN", "1e30", None, "1000000"])
def test_a_bad_quantity_is_refused_and_nothing_moves(clerk_tenant, oil_filter, quantity):
    with pytest.raises(DomainError) as exc:
        services.stock_receive(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=quantity)
    assert fields(exc) == {"quantity"}
    assert not StockMove.objects.exists()


def test_a_retired_part_is_not_received(clerk_tenant, oil_filter):
    services.part_update(tenant=clerk_tenant, part_id=oil_filter.pk, version=1, active=False)
    with pytest.raises(DomainError):
        services.stock_receive(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1)


def test_stock_is_per_store(clerk_tenant, oil_filter, stock, second_store, second_store_clerk):
    stock(oil_filter, 3)
    other = resolve_tenant(second_store_clerk)
    assert selectors.part_get(other, oil_filter.pk).on_hand == 0
    assert level_of(oil_filter, second_store)[0] == 0
    rows = selectors.stock_by_store(other, oil_filter)
    assert [(r["store"].code, r["on_hand"], r["current"]) for r in rows] == [
        ("SZ01", D(3), False),
        ("SZ02", D(0), True),
    ]


def test_a_count_correction_sets_on_hand_and_records_the_difference(clerk_tenant, oil_filter, stock, store):
    stock(oil_filter, 5)
    move = services.stock_adjust(
        tenant=clerk_tenant, part_id=oil_filter.pk, counted="3", reason="盘点 2026-05"
    )
    assert level_of(oil_filter, store)[0] == D(3)
    assert (move.kind, move.quantity, move.on_hand_after, move.note) == (
        "adjust",
        D(-2),
        D(3),
        "盘点 2026-05",
    )


def test_a_count_correction_needs_a_reason_and_a_manager(clerk_tenant, tenant, oil_filter, stock):
    stock(oil_filter, 5)
    with pytest.raises(DomainError) as exc:
        services.stock_adjust(tenant=clerk_tenant, part_id=oil_filter.pk, counted="-1", reason="")
    assert fields(exc) == {"counted", "reason"}
    with pytest.raises(Forbidden):
        services.stock_adjust(tenant=tenant, part_id=oil_filter.pk, counted="3", reason="盘点")


def test_a_count_that_matches_is_not_a_correction(clerk_tenant, oil_filter, stock):
    stock(oil_filter, 5)
    with pytest.raises(DomainError):
        services.stock_adjust(tenant=clerk_tenant, part_id=oil_filter.pk, counted="5", reason="盘点")


# --- Reservations ------------------------------------------------------------------------------------


def test_the_sa_reserves_parts_for_an_appointment(tenant, oil_filter, stock, store):
    stock(oil_filter, 3)
    r = services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=1,
                                    for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip
    assert (r.state, r.covered, r.created_by) == ("active", True, tenant.user)
    assert level_of(oil_filter, store)[:2] == (D(3), D(1))
    assert selectors.part_get(tenant, oil_filter.pk).available == D(2)
    move = StockMove.objects.get(kind="reserve")
    assert (move.quantity, move.reserved_after, move.reservation_id) == (D(1), D(1), r.pk)


def test_a_reservation_beyond_stock_is_taken_but_not_covered(tenant, oil_filter, stock):
    stock(oil_filter, 1)
    r = services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=2,
                                    for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip
    assert r.covered is False
    part = selectors.part_get(tenant, oil_filter.pk)
    assert (part.on_hand, part.reserved, part.available) == (D(1), D(2), D(-1))
    assert [p.pk for p in selectors.low_stock(tenant).items] == [oil_filter.pk]


def test_a_reservation_needs_a_known_kind_and_an_id(tenant, oil_filter):
    with pytest.raises(DomainError) as exc:
        services.reservation_create(
            tenant=tenant, part_id=oil_filter.pk, quantity=1, for_kind="lunch", for_id=1
        )
    assert fields(exc) == {"for_kind"}
    with pytest.raises(DomainError) as exc:
        services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=1,
                                    for_kind="appointment", for_id=0)  # fmt: skip
    assert fields(exc) == {"for_id"}


def test_a_technician_cannot_reserve(technician, oil_filter):
    with pytest.raises(Forbidden):
        services.reservation_create(tenant=resolve_tenant(technician), part_id=oil_filter.pk, quantity=1,
                                    for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip


def test_releasing_gives_the_parts_back_once(tenant, oil_filter, stock, store):
    stock(oil_filter, 3)
    r = services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=2,
                                    for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip
    services.reservation_release(tenant=tenant, reservation_id=r.pk, note="客户取消")
    assert level_of(oil_filter, store)[:2] == (D(3), D(0))
    assert Reservation.objects.get(pk=r.pk).state == "released"
    with pytest.raises(Conflict):
        services.reservation_release(tenant=tenant, reservation_id=r.pk)
    assert level_of(oil_filter, store)[1] == D(0)
    assert list(StockMove.objects.filter(kind="release").values_list("quantity", "note")) == [
        (D(-2), "客户取消")
    ]


def test_a_reservation_of_another_store_is_not_found(tenant, oil_filter, stock, second_store_clerk):
    stock(oil_filter, 3)
    r = services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=1,
                                    for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip
    with pytest.raises(NotFound):
        services.reservation_release(tenant=resolve_tenant(second_store_clerk), reservation_id=r.pk)


def test_an_appointments_reservations_move_to_its_repair_order(
    tenant, clerk_tenant, oil_filter, stock, store
):
    stock(oil_filter, 1)
    services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=1,
                                for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip
    moved = services.reservations_transfer(tenant=tenant, from_kind="appointment", from_id=APPOINTMENT_ID,
                                           to_kind="repair_order", to_id=RO_ID, to_reference="RO2026000123")  # fmt: skip
    assert moved == 1
    assert level_of(oil_filter, store)[:2] == (D(1), D(1))
    # the order's issue now consumes what the appointment held
    services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO_ID)
    assert level_of(oil_filter, store) == (D(0), D(0), D(1))
    assert Reservation.objects.get().state == "issued"


def test_a_cancelled_appointment_releases_everything_it_held(tenant, oil_filter, engine_oil, stock, store):
    stock(oil_filter, 2)
    stock(engine_oil, 10)
    for part, n in ((oil_filter, 1), (engine_oil, "4.5")):
        services.reservation_create(tenant=tenant, part_id=part.pk, quantity=n,
                                    for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip
    assert (
        services.reservations_release_for(tenant=tenant, for_kind="appointment", for_id=APPOINTMENT_ID) == 2
    )
    assert level_of(oil_filter, store)[1] == level_of(engine_oil, store)[1] == D(0)


# --- Issues and returns ------------------------------------------------------------------------------


def test_the_clerk_issues_parts_to_a_repair_order(clerk_tenant, engine_oil, stock, store):
    stock(engine_oil, 10)
    move = services.part_issue(tenant=clerk_tenant, part_id=engine_oil.pk, quantity="4.5", for_id=RO_ID,
                               reference="RO2026000123")  # fmt: skip
    assert level_of(engine_oil, store) == (D("5.5"), D(0), D("4.5"))
    assert (move.kind, move.quantity, move.on_hand_after, move.for_kind, move.for_id, move.reference) == (
        "issue",
        D("-4.5"),
        D("5.5"),
        "repair_order",
        RO_ID,
        "RO2026000123",
    )


def test_stock_never_goes_negative(clerk_tenant, oil_filter, stock, store):
    stock(oil_filter, 1)
    with pytest.raises(Conflict) as exc:
        services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=2, for_id=RO_ID)
    assert fields(exc) == {"quantity"}
    assert "1" in str(exc.value.message)
    assert level_of(oil_filter, store) == (D(1), D(0), D(0))
    assert not StockMove.objects.filter(kind="issue").exists()


def test_a_part_never_stocked_here_cannot_be_issued(clerk_tenant, oil_filter):
    with pytest.raises(Conflict):
        services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO_ID)


def test_the_database_refuses_negative_stock_too(oil_filter, stock, store):
    from django.db import IntegrityError, transaction

    stock(oil_filter, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(part=oil_filter, store=store).update(on_hand=-1)


def test_an_issue_consumes_the_orders_reservation(tenant, clerk_tenant, oil_filter, stock, store):
    stock(oil_filter, 3)
    r = services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=2,
                                    for_kind="repair_order", for_id=RO_ID)  # fmt: skip
    services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO_ID)
    r.refresh_from_db()
    assert (r.state, r.issued_quantity, r.open_quantity) == ("active", D(1), D(1))
    assert level_of(oil_filter, store) == (D(2), D(1), D(1))
    services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=2, for_id=RO_ID)
    r.refresh_from_db()
    assert (r.state, r.issued_quantity) == ("issued", D(2))
    assert level_of(oil_filter, store) == (D(0), D(0), D(3))


def test_parts_reserved_for_another_job_are_not_issued(tenant, clerk_tenant, oil_filter, stock, store):
    # given the only filter is held for tomorrow's appointment
    stock(oil_filter, 1)
    services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=1,
                                for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip
    # when a walk-in's order asks for it, then it stays with the appointment
    with pytest.raises(Conflict) as exc:
        services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO2_ID)
    assert "0" in str(exc.value.message)
    assert level_of(oil_filter, store) == (D(1), D(1), D(0))


def test_an_order_with_a_waiting_reservation_gets_what_arrived(
    tenant, clerk_tenant, oil_filter, stock, store
):
    # two orders reserve more than is there; the goods that arrive go to an order that holds them
    services.reservation_create(
        tenant=tenant, part_id=oil_filter.pk, quantity=1, for_kind="repair_order", for_id=RO_ID
    )
    services.reservation_create(
        tenant=tenant, part_id=oil_filter.pk, quantity=2, for_kind="repair_order", for_id=RO2_ID
    )
    stock(oil_filter, 1)
    services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO_ID)
    assert level_of(oil_filter, store) == (D(0), D(2), D(1))


def test_parts_are_issued_to_repair_orders_only(clerk_tenant, oil_filter, stock):
    stock(oil_filter, 1)
    with pytest.raises(DomainError) as exc:
        services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_kind="appointment",
                            for_id=APPOINTMENT_ID)  # fmt: skip
    assert fields(exc) == {"for_kind"}


def test_neither_the_sa_nor_a_technician_issues_parts(tenant, technician, oil_filter, stock):
    stock(oil_filter, 1)
    for who in (tenant, resolve_tenant(technician)):
        with pytest.raises(Forbidden):
            services.part_issue(tenant=who, part_id=oil_filter.pk, quantity=1, for_id=RO_ID)
    assert not StockMove.objects.filter(kind="issue").exists()


def test_unused_parts_come_back_from_the_order(clerk_tenant, engine_oil, stock, store):
    stock(engine_oil, 10)
    services.part_issue(tenant=clerk_tenant, part_id=engine_oil.pk, quantity=5, for_id=RO_ID)
    move = services.part_return(tenant=clerk_tenant, part_id=engine_oil.pk, quantity="0.5", for_id=RO_ID,
                                note="多领")  # fmt: skip
    assert level_of(engine_oil, store) == (D("5.5"), D(0), D("4.5"))
    assert (move.kind, move.quantity, move.on_hand_after) == ("return", D("0.5"), D("5.5"))
    issued = selectors.issued_for(clerk_tenant, for_kind="repair_order", for_id=RO_ID)
    assert [(r["number"], r["quantity"], r["quality"]) for r in issued] == [
        ("08232-P99-K1LHE", D("4.5"), "original")
    ]


def test_no_more_comes_back_than_went_to_the_order(clerk_tenant, oil_filter, stock, store):
    stock(oil_filter, 5)
    services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=2, for_id=RO_ID)
    services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO2_ID)
    with pytest.raises(DomainError) as exc:
        services.part_return(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=3, for_id=RO_ID)
    assert fields(exc) == {"quantity"}
    services.part_return(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=2, for_id=RO_ID)
    with pytest.raises(DomainError):
        services.part_return(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO_ID)
    assert level_of(oil_filter, store) == (D(4), D(0), D(1))


def test_every_stock_figure_is_the_sum_of_its_moves(tenant, clerk_tenant, oil_filter, stock, store):
    stock(oil_filter, 6)
    services.reservation_create(
        tenant=tenant, part_id=oil_filter.pk, quantity=2, for_kind="repair_order", for_id=RO_ID
    )
    r2 = services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=1,
                                     for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip
    services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=3, for_id=RO_ID)
    services.part_return(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO_ID)
    services.reservation_release(tenant=tenant, reservation_id=r2.pk)
    services.stock_adjust(tenant=clerk_tenant, part_id=oil_filter.pk, counted=3, reason="盘点")
    moves = StockMove.objects.filter(part=oil_filter, store=store)
    on_hand = sum(m.quantity for m in moves if m.kind in ("receipt", "issue", "return", "adjust"))
    reserved = sum(m.quantity for m in moves if m.kind in ("reserve", "release"))
    reserved -= sum(  # issues consume reservations: recorded on the reservation, not as a release
        r.issued_quantity for r in Reservation.objects.filter(part=oil_filter)
    )
    assert level_of(oil_filter, store)[:2] == (on_hand, reserved) == (D(3), D(0))
    latest = moves.order_by("-at", "-id").first()
    assert (latest.on_hand_after, latest.reserved_after) == (D(3), D(0))


def test_a_registered_resolver_checks_the_order_and_names_it(clerk_tenant, oil_filter, stock, monkeypatch):
    def resolve(tenant, for_id):
        if for_id != RO_ID:
            raise NotFound()
        return "RO2026000123"

    monkeypatch.setitem(links._RESOLVERS, "repair_order", resolve)
    stock(oil_filter, 2)
    move = services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO_ID)
    assert move.reference == "RO2026000123"
    with pytest.raises(DomainError) as exc:
        services.part_issue(tenant=clerk_tenant, part_id=oil_filter.pk, quantity=1, for_id=RO2_ID)
    assert fields(exc) == {"for_id"}


# --- Lists -------------------------------------------------------------------------------------------


def test_search_by_number_prefix_or_name(clerk_tenant, oil_filter, engine_oil):
    assert [p.number for p in selectors.part_search(clerk_tenant, "15400").items] == ["15400-RTA-003"]
    assert [p.number for p in selectors.part_search(clerk_tenant, "08232 p99").items] == ["08232-P99-K1LHE"]
    assert [p.number for p in selectors.part_search(clerk_tenant, "机油").items] == [
        "08232-P99-K1LHE",
        "15400-RTA-003",
    ]
    assert [p.number for p in selectors.part_search(clerk_tenant, "15400rta").items] == ["15400-RTA-003"]
    assert selectors.part_search(clerk_tenant, "RTA").count == 0  # a number is searched from its start


def test_low_stock_uses_the_stores_minimum_before_the_parts(clerk_tenant, oil_filter, engine_oil, stock):
    # the filter's minimum is 2 and none is here; the oil has no minimum
    stock(engine_oil, 4)
    assert [(p.number, p.needed) for p in selectors.low_stock(clerk_tenant).items] == [
        ("15400-RTA-003", D(2))
    ]
    services.stock_set_minimum(tenant=clerk_tenant, part_id=engine_oil.pk, min_qty="8")
    services.stock_set_minimum(tenant=clerk_tenant, part_id=oil_filter.pk, min_qty="0")
    assert [(p.number, p.needed) for p in selectors.low_stock(clerk_tenant).items] == [
        ("08232-P99-K1LHE", D(4))
    ]
