"""CSI surveys: the neutral default questionnaire, answers recorded once, a low score opens a case,
the signed link, the scores per store, advisor, technician and month."""

from datetime import timedelta

import pytest

from dms.core.errors import Conflict, DomainError
from dms.core.models import Event
from dms.satisfaction.models import Complaint, Question, SurveyResponse
from dms.satisfaction.surveys import (
    DEFAULT_QUESTIONS,
    csi_scores,
    make_token,
    question_add,
    read_token,
    survey_default,
    survey_response_record,
)
from dms.satisfaction.tests.conftest import answers_for

# Words that tell the customer which answer is hoped for (seed 003's scripts: 请您回答非常满意好吗).
COACHING = ("请您回答", "非常满意好吗", "please answer", "please say", "满分", "10分", "好评")


def test_the_shipped_questionnaire_never_coaches_the_answer(survey):
    from django.utils import translation

    texts = [q.text for q in survey.questions.all()]
    with translation.override("en"):
        texts += [translation.gettext(t) for t, *_ in DEFAULT_QUESTIONS]
        assert [q.shown for q in survey.questions.all()] == texts[len(DEFAULT_QUESTIONS) :]
    assert len(texts) == 2 * len(DEFAULT_QUESTIONS)
    for text in texts:
        assert not any(word.lower() in text.lower() for word in COACHING), text
    overall = survey.questions.get(topic="overall")
    assert overall.required and "1" in overall.text and "5" in overall.text  # the scale, both ends
    assert survey_default(survey.group) == survey  # created once


def test_a_good_score_is_recorded_with_who_served_the_car(survey, delivered_order, store, care):
    r = survey_response_record(store=store, survey=survey, repair_order=delivered_order, channel="call",
                               answers=answers_for(survey, 5, advisor=4, text="很好"), taken_by=care)  # fmt: skip
    assert r.overall == 5 and r.complaint is None
    assert r.advisor_id == delivered_order.advisor_id and r.technician_id == delivered_order.technician_id
    assert r.answers.count() == 3
    assert Event.objects.filter(type="survey_response.recorded", subject_id=r.pk).exists()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(("overall", "severity"), [(1, "high"), (2, "medium")])
def test_a_low_overall_score_opens_a_case_owned_by_the_agent(
    survey, delivered_order, store, care, overall, severity
):
    r = survey_response_record(store=store, survey=survey, repair_order=delivered_order, channel="call",
                               answers=answers_for(survey, overall, timing=1, advisor=4, text="等了很久"),
                               taken_by=care)  # fmt: skip
    case = r.complaint
    assert case is not None and case.source == "survey" and case.severity == severity
    assert (
        case.owner == care
        and case.repair_order == delivered_order
        and case.customer == delivered_order.customer
    )
    assert case.category == "waiting"  # the lowest-scored topic
    assert "等了很久" in case.description


def test_a_score_of_three_opens_no_case(survey, delivered_order, store, care):
    survey_response_record(store=store, survey=survey, repair_order=delivered_order, channel="call",
                           answers=answers_for(survey, 3), taken_by=care)  # fmt: skip
    assert not Complaint.objects.exists()


def test_the_same_visit_is_answered_once(survey, delivered_order, store, care):
    survey_response_record(store=store, survey=survey, repair_order=delivered_order, channel="call",
                           answers=answers_for(survey, 4), taken_by=care)  # fmt: skip
    with pytest.raises(Conflict):
        survey_response_record(store=store, survey=survey, repair_order=delivered_order, channel="link",
                               answers=answers_for(survey, 1))  # fmt: skip
    assert SurveyResponse.objects.count() == 1 and not Complaint.objects.exists()


def test_bad_answers_are_refused_field_by_field(survey, delivered_order, store, care):
    text_q = survey.questions.get(kind="text")
    with pytest.raises(DomainError) as exc:
        survey_response_record(store=store, survey=survey, repair_order=delivered_order, channel="call", answers=[
            {"question_id": 999999, "score": 3}, {"question_id": text_q.pk, "score": 4},
        ])  # fmt: skip
    assert {e["field"] for e in exc.value.errors} == {"answers.0.question_id", "answers.1.score"}
    with pytest.raises(DomainError) as exc:
        survey_response_record(
            store=store, survey=survey, repair_order=delivered_order, channel="call", answers=[]
        )
    assert exc.value.errors[0]["field"] == "answers"  # the overall question is required


def test_an_order_still_in_the_workshop_is_not_asked_about(survey, order, store):
    with pytest.raises(DomainError) as exc:
        survey_response_record(store=store, survey=survey, repair_order=order, channel="link",
                               answers=answers_for(survey, 4))  # fmt: skip
    assert exc.value.field == "repair_order_id"


def test_the_link_is_signed(delivered_order, survey):
    token = make_token(delivered_order.pk, survey.pk)
    assert read_token(token) == (delivered_order.pk, survey.pk)
    assert read_token(token[:-2] + "xx") is None
    assert read_token("nonsense") is None


def test_scores_per_store_advisor_technician_and_month(survey, delivered_order, store, care, tenant, vehicle):
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from dms.workshop.models import RepairOrder
    from dms.workshop.services import repair_order_create

    second = repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=14000, complaint="异响")
    RepairOrder.objects.filter(pk=second.pk).update(state="delivered", technician=delivered_order.technician)
    second.refresh_from_db()
    for order, score in ((delivered_order, 5), (second, 2)):
        survey_response_record(store=store, survey=survey, repair_order=order, channel="call",
                               answers=answers_for(survey, score, quality=score), taken_by=care)  # fmt: skip
    scores = csi_scores([store], since=timezone.now() - timedelta(days=31), zone=ZoneInfo("Asia/Shanghai"))
    (row,) = scores["stores"]
    assert (row["n"], row["avg"], row["low"], row["top"]) == (2, 3.5, 1, 1)
    assert scores["months"][0]["n"] == 2
    assert (
        scores["advisors"][0]["advisor_id"] == delivered_order.advisor_id and scores["advisors"][0]["n"] == 2
    )
    assert scores["technicians"][0]["n"] == 2
    topics = {t["question__topic"]: t["avg"] for t in scores["topics"]}
    assert topics["overall"] == 3.5 and topics["quality"] == 3.5


def test_the_topics_read_overall_first_then_in_the_questionnaires_order(survey, delivered_order, store, care):
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    # The overall question asked last, a facilities question first: the questionnaire's order is
    # not the topics' alphabetical one (advisor, facility, overall, price, quality, timing).
    Question.objects.filter(survey=survey, topic="overall").update(position=99)
    question_add(survey=survey, text="休息区是否舒适？(1–5)", kind="score", topic="facility")
    Question.objects.filter(survey=survey, topic="facility").update(position=0)
    survey_response_record(store=store, survey=survey, repair_order=delivered_order, channel="call",
                           answers=answers_for(survey, 4, advisor=5, quality=3, timing=4, price=2, facility=5),
                           taken_by=care)  # fmt: skip

    scores = csi_scores([store], since=timezone.now() - timedelta(days=31), zone=ZoneInfo("Asia/Shanghai"))

    order = [t["question__topic"] for t in scores["topics"]]
    assert order == ["overall", "facility", "advisor", "quality", "timing", "price"]
