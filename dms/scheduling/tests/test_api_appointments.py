"""/api/v1/appointments: slots, booking, the steps of an appointment and their 409 answers."""

from datetime import timedelta

import pytest

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.scheduling.models import Appointment, AppointmentEvent

from .conftest import MONDAY, TUESDAY, at


def book(api, vehicle, start, **extra):
    return api.post("/appointments", {"vehicle_id": vehicle.pk, "start": start.isoformat(), **extra})


@pytest.fixture
def booked(api, workshop, vehicle):
    r = book(api, vehicle, at(9), items="10000 km 保养")
    assert r.status_code == 201, r.content
    return r.json()


# --- Slots -------------------------------------------------------------------------------------------


def test_slots_list_the_bookable_starts_with_free_places_in_the_stores_time(api, workshop, vehicle):
    book(api, vehicle, at(9))

    r = api.get("/appointments/slots", {"date": TUESDAY.isoformat(), "hours": "1"})

    assert r.status_code == 200
    body = r.json()
    first = body["items"][0]
    assert (first["start"], first["end"], first["free"]) == (
        "2026-05-05T08:30:00+08:00",
        "2026-05-05T09:30:00+08:00",
        1,
    )
    assert body["capacity"] == 2 and body["slot_minutes"] == 30
    assert {i["start"]: i["free"] for i in body["items"]}["2026-05-05T10:00:00+08:00"] == 2
    assert body["items"][-1]["start"] == "2026-05-05T17:00:00+08:00"


def test_slots_leave_out_full_starts_unless_asked(api, workshop, vehicle, second_vehicle):
    book(api, vehicle, at(9))
    book(api, second_vehicle, at(9))

    starts = [
        i["start"]
        for i in api.get("/appointments/slots", {"date": "2026-05-05", "hours": "1"}).json()["items"]
    ]
    every = api.get(
        "/appointments/slots", {"date": "2026-05-05", "hours": "1", "include_full": "true"}
    ).json()

    assert "2026-05-05T09:00:00+08:00" not in starts and "2026-05-05T08:30:00+08:00" not in starts
    assert {i["start"]: i["free"] for i in every["items"]}["2026-05-05T09:00:00+08:00"] == 0


def test_slots_take_the_jobs_standard_hours_when_none_are_given(api, workshop):
    body = api.get("/appointments/slots", {"date": "2026-05-05", "job": "body_paint"}).json()

    assert body["hours"] == "4.00" and body["items"][-1]["start"] == "2026-05-05T14:00:00+08:00"


def test_slots_of_a_bad_date_are_a_422_sentence(api, workshop):
    r = api.get("/appointments/slots", {"date": "5/5/2026"})

    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date"


# --- Booking ---------------------------------------------------------------------------------------


def test_sa_books_a_vehicle_for_its_owner(api, sa, workshop, vehicle, customer):
    r = book(api, vehicle, at(9), hours="1.5", job="repair", items="左前轮异响", note="客户自带机油")

    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["vehicle_id"], body["customer_id"], body["state"], body["channel"]) == (
        vehicle.pk, customer.pk, "booked", "phone"
    )  # fmt: skip
    assert (body["start"], body["end"], body["hours"]) == (
        "2026-05-05T09:00:00+08:00", "2026-05-05T10:30:00+08:00", "1.50"
    )  # fmt: skip
    assert body["allowed_actions"] == ["confirm", "arrive", "cancel", "reschedule"]
    assert [(e["action"], e["to_state"], e["by"]) for e in body["events"]] == [("book", "booked", str(sa))]
    assert body["version"] == 1 and body["plate"] == "粤B12345"


def test_a_start_without_offset_is_the_stores_local_time(api, workshop, vehicle):
    r = api.post("/appointments", {"vehicle_id": vehicle.pk, "start": "2026-05-05T09:00:00"})

    assert r.status_code == 201 and r.json()["start"] == "2026-05-05T09:00:00+08:00"
    assert Appointment.objects.get().start == at(9)


def test_a_full_time_answers_409_naming_the_free_times(api, workshop, vehicle, second_vehicle, third_vehicle):
    book(api, vehicle, at(9))
    book(api, second_vehicle, at(9, 30))

    r = book(api, third_vehicle, at(9, 30))

    assert r.status_code == 409
    body = r.json()
    assert "10:00" in body["detail"] and body["errors"][0]["field"] == "start"
    assert "2026-05-05T10:00:00+08:00" in body["free_times"]
    assert Appointment.objects.count() == 2


def test_a_time_in_the_past_is_refused(api, workshop, vehicle):
    r = book(api, vehicle, MONDAY - timedelta(hours=1))

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "start"
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("start", "hours", "words"),
    [(at(8), "1", "08:30"), (at(17, 30), "1", "17:00"), (at(9, 10), "1", "30"), (at(8, 30), "11", "08:30")],
)
def test_a_time_outside_the_opening_hours_or_off_the_grid_is_refused_with_a_sentence(
    api_en, workshop, vehicle, start, hours, words
):
    r = book(api_en, vehicle, start, hours=hours)

    assert r.status_code == 400
    assert words in r.json()["detail"], r.json()
    assert not Appointment.objects.exists()


def test_a_closed_day_is_refused(api_en, workshop, vehicle):
    sunday = TUESDAY + timedelta(days=5)

    r = book(api_en, vehicle, at(10, day=sunday))

    assert r.status_code == 400 and "no appointments" in r.json()["detail"]


def test_the_same_vehicle_is_not_booked_twice_on_one_day(api, workshop, vehicle):
    first = book(api, vehicle, at(9)).json()

    r = book(api, vehicle, at(14))

    assert r.status_code == 409 and r.json()["appointment_id"] == first["id"]


def test_a_deposit_taken_when_booking_is_recorded(api, workshop, vehicle):
    r = book(api, vehicle, at(9), deposit_amount="200", deposit_method="wechat")

    assert (r.json()["deposit_amount"], r.json()["deposit_method"]) == ("200.00", "wechat")


def test_a_deposit_without_its_method_is_refused(api, workshop, vehicle):
    r = book(api, vehicle, at(9), deposit_amount="200")

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "deposit_method"


def test_a_technician_sees_the_board_but_cannot_book(technician, workshop, vehicle):
    tech_api = ApiClient(technician)

    assert tech_api.get("/appointments", {"date": "2026-05-05"}).status_code == 200
    assert book(tech_api, vehicle, at(9)).status_code == 403


def test_customer_care_books_by_phone(store, workshop, vehicle):
    care = ApiClient(make_user("care1", store, Role.CUSTOMER_CARE))

    assert book(care, vehicle, at(9)).status_code == 201


def test_appointments_of_a_day_are_listed_by_time(api, workshop, vehicle, second_vehicle):
    book(api, second_vehicle, at(11))
    book(api, vehicle, at(9))
    book(api, vehicle, at(9, day=TUESDAY + timedelta(days=1)))

    body = api.get("/appointments", {"date": "2026-05-05"}).json()

    assert body["count"] == 2
    assert [i["plate"] for i in body["items"]] == ["粤B12345", "粤B54321"]


# --- Steps -------------------------------------------------------------------------------------------


def act(api, appointment, action, **body):
    return api.post(f"/appointments/{appointment['id']}/actions/{action}", body)


def test_the_customer_confirms(api, booked):
    r = act(api, booked, "confirm", version=1)

    assert r.status_code == 200
    body = r.json()
    assert (body["state"], body["version"]) == ("confirmed", 2) and body["confirmed_at"]
    assert body["allowed_actions"] == ["arrive", "cancel", "reschedule"]
    assert [e["action"] for e in body["events"]] == ["book", "confirm"]


def test_an_action_may_be_sent_without_a_body(api, booked):
    r = api.client.generic("POST", f"/api/v1/appointments/{booked['id']}/actions/confirm", b"", **api.headers)

    assert r.status_code == 200 and r.json()["state"] == "confirmed"


def test_the_customer_arrives(api, booked):
    r = act(api, booked, "arrive")

    assert r.json()["state"] == "arrived" and r.json()["arrived_at"] and r.json()["allowed_actions"] == []


def test_a_no_show_is_marked_only_once_the_time_has_passed(api, sa, booked, clock):
    early = act(api, booked, "no-show")
    assert early.status_code == 409
    assert early.json()["state"] == "booked" and "no-show" not in early.json()["allowed_actions"]

    clock.move_to(at(9, 20))
    late = act(ApiClient(sa), booked, "no-show")  # a new day, a new token

    assert late.status_code == 200 and late.json()["state"] == "no_show"


def test_cancelling_needs_a_reason(api, booked):
    r = act(api, booked, "cancel")

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "reason"
    assert Appointment.objects.get().state == "booked"


def test_a_cancelled_appointment_frees_its_place(api, booked, second_vehicle, third_vehicle):
    book(api, second_vehicle, at(9))

    r = act(api, booked, "cancel", reason="客户出差")

    assert r.json()["state"] == "cancelled" and r.json()["cancel_reason"] == "客户出差"
    assert book(api, third_vehicle, at(9)).status_code == 201


def test_a_step_not_allowed_now_answers_409_with_the_state_and_the_allowed_steps(api, booked):
    act(api, booked, "arrive")

    r = act(api, booked, "confirm")

    assert r.status_code == 409
    assert r.json()["state"] == "arrived" and r.json()["allowed_actions"] == []
    assert r.json()["detail"]


def test_a_stale_version_answers_409_and_changes_nothing(api, booked):
    act(api, booked, "confirm", version=1)

    r = act(api, booked, "cancel", version=1, reason="重复预约")

    assert r.status_code == 409 and r.json()["current_version"] == 2
    assert Appointment.objects.get().state == "confirmed"


def test_an_unknown_step_is_404(api, booked):
    assert act(api, booked, "teleport").status_code == 404


def test_every_step_leaves_an_event(api, sa, booked):
    act(api, booked, "confirm")
    act(api, booked, "cancel", reason="改天再来")

    events = list(
        AppointmentEvent.objects.order_by("id").values_list("action", "from_state", "to_state", "reason")
    )
    assert events == [
        ("book", "", "booked", ""),
        ("confirm", "booked", "confirmed", ""),
        ("cancel", "confirmed", "cancelled", "改天再来"),
    ]
    assert set(AppointmentEvent.objects.values_list("by", flat=True)) == {sa.pk}


# --- Reschedule and deposit --------------------------------------------------------------------------


def test_rescheduling_books_the_new_time_and_cancels_the_old_one_with_the_reason(api, booked):
    api.post(f"/appointments/{booked['id']}/deposit", {"amount": "300", "method": "alipay"})

    r = act(api, booked, "reschedule", start=at(14).isoformat(), reason="店里举升机维修")

    assert r.status_code == 201, r.content
    new = r.json()
    old = api.get(f"/appointments/{booked['id']}").json()
    assert new["start"] == "2026-05-05T14:00:00+08:00" and new["state"] == "booked"
    assert new["rescheduled_from_id"] == booked["id"] and old["rescheduled_to_id"] == new["id"]
    assert (old["state"], old["cancel_reason"]) == ("cancelled", "店里举升机维修")
    assert (new["deposit_amount"], old["deposit_amount"]) == ("300.00", "0.00")
    assert new["items"] == booked["items"]


def test_rescheduling_within_the_same_full_time_keeps_its_own_place(api, booked, second_vehicle):
    book(api, second_vehicle, at(9))  # 09:00 and 09:30 are now full

    r = act(api, booked, "reschedule", start=at(9, 30).isoformat(), reason="客户晚到半小时")

    assert r.status_code == 201


def test_rescheduling_into_a_full_time_changes_nothing(api, booked, second_vehicle, third_vehicle):
    book(api, second_vehicle, at(15))
    book(api, third_vehicle, at(15))

    r = act(api, booked, "reschedule", start=at(15).isoformat(), reason="客户要求")

    assert r.status_code == 409 and "free_times" in r.json()
    assert Appointment.objects.get(pk=booked["id"]).state == "booked"
    assert Appointment.objects.count() == 3


def test_rescheduling_needs_the_new_time(api, booked):
    r = act(api, booked, "reschedule", reason="客户要求")

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "start"


def test_a_deposit_is_recorded_with_its_method(api, booked):
    r = api.post(
        f"/appointments/{booked['id']}/deposit", {"amount": "500.00", "method": "card", "version": 1}
    )

    assert r.status_code == 200
    assert (r.json()["deposit_amount"], r.json()["deposit_method"], r.json()["version"]) == (
        "500.00",
        "card",
        2,
    )
    assert r.json()["events"][-1]["action"] == "deposit"


def test_a_deposit_of_an_unknown_method_is_refused(api, booked):
    r = api.post(f"/appointments/{booked['id']}/deposit", {"amount": "500", "method": "bitcoin"})

    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "method"
    assert "'alipay'" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize("amount", [3e307, "1e10", "10000000.00", -1, "0.001", "NaN", "Infinity"])
def test_a_deposit_outside_what_money_can_be_is_422_and_nothing_is_recorded(api, booked, amount):
    r = api.post(f"/appointments/{booked['id']}/deposit", {"amount": amount, "method": "cash"})

    assert r.status_code == 422, r.content
    assert r.json()["detail"] and [e["field"] for e in r.json()["errors"]] == ["amount"]
    assert api.get(f"/appointments/{booked['id']}").json()["deposit_amount"] == "0.00"


def test_the_largest_deposit_money_can_be_is_recorded(api, booked):
    r = api.post(f"/appointments/{booked['id']}/deposit", {"amount": "9999999.99", "method": "cash"})

    assert r.status_code == 200, r.content
    assert r.json()["deposit_amount"] == "9999999.99"


def test_a_booking_with_an_absurd_deposit_is_422(api, workshop, vehicle):
    r = book(api, vehicle, at(9), deposit_amount=3e307, deposit_method="cash")

    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "deposit_amount"
