"""A case opened by a low overall score says what the complaint is about: each score question may
carry the complaint category a low score on it implies (the shipped ones their topic's), and the
lowest-scored question carrying one gives the case its category; "other" only when none does."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dms.core.errors import DomainError
from dms.satisfaction.surveys import question_add, question_edit, survey_response_record
from dms.satisfaction.tests.conftest import answers_for


def _case_of(survey, order, store, care, overall, answers=None, **by_topic):
    r = survey_response_record(
        store=store, survey=survey, repair_order=order, channel="call", taken_by=care,
        answers=answers if answers is not None else answers_for(survey, overall, **by_topic),
    )  # fmt: skip
    return r.complaint


def test_the_shipped_questions_say_what_a_low_score_on_them_is_about(survey):
    categories = {q.topic: q.complaint_category for q in survey.questions.all()}

    assert categories == {
        "overall": "", "advisor": "attitude", "quality": "service_quality", "timing": "waiting",
        "price": "price", "other": "",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("scores", "category"),
    [
        ({"advisor": 1, "quality": 4, "timing": 4, "price": 4}, "attitude"),
        ({"advisor": 4, "quality": 2, "timing": 3, "price": 4}, "service_quality"),
        ({"advisor": 5, "quality": 5, "timing": 5, "price": 2}, "price"),
        ({"advisor": 2, "quality": 5, "timing": 2, "price": 5}, "attitude"),  # a tie: the earlier question
    ],
)
def test_a_low_score_opens_the_case_with_the_lowest_scored_questions_category(
    survey, delivered_order, store, care, scores, category
):
    case = _case_of(survey, delivered_order, store, care, 2, **scores)

    assert case.category == category


@pytest.mark.parametrize(
    "scores",
    [{}, {"advisor": 4, "quality": 5, "timing": 4, "price": 5}, {"text": "说不上来，就是不满意"}],
    ids=["only the overall score", "every other score good", "only words"],
)
def test_a_low_score_nothing_explains_opens_the_case_as_other(survey, delivered_order, store, care, scores):
    case = _case_of(survey, delivered_order, store, care, 1, **scores)

    assert case.category == "other"


def test_a_question_the_group_adds_carries_the_category_it_chooses(survey, delivered_order, store, care):
    clean = question_add(
        survey=survey, text="取车时车辆是否干净、完好？(1–5)", kind="score", topic="other",
        complaint_category="damage",
    )  # fmt: skip
    lounge = question_add(survey=survey, text="休息区是否舒适？(1–5)", kind="score", topic="facility")
    assert (clean.complaint_category, lounge.complaint_category) == ("damage", "facility")  # the topic's

    answers = [*answers_for(survey, 2, timing=3, advisor=4), {"question_id": clean.pk, "score": 1}]
    case = _case_of(survey, delivered_order, store, care, 2, answers=answers)

    assert case.category == "damage"


def test_a_question_whose_category_is_cleared_explains_nothing(survey, delivered_order, store, care):
    advisor = survey.questions.get(topic="advisor")
    question_edit(question=advisor, text=advisor.text, complaint_category="")
    advisor.refresh_from_db()
    assert advisor.complaint_category == "" and advisor.shipped  # the wording stays the shipped one

    case = _case_of(survey, delivered_order, store, care, 1, advisor=1, quality=4)

    assert case.category == "other"


def test_only_a_score_question_may_carry_a_category_from_the_list(survey):
    overall = survey.questions.get(topic="overall")
    with pytest.raises(DomainError) as exc:
        question_edit(question=overall, text=overall.text, complaint_category="price")
    assert exc.value.field == "complaint_category"
    with pytest.raises(DomainError):
        question_add(
            survey=survey, text="还有什么建议？", kind="text", topic="other", complaint_category="price"
        )
    with pytest.raises(DomainError):
        question_add(
            survey=survey, text="噪音如何？(1–5)", kind="score", topic="other", complaint_category="noise"
        )
    with pytest.raises(DomainError):  # "other" is what a case is when nothing explains it
        question_add(
            survey=survey, text="其他方面如何？(1–5)", kind="score", topic="other", complaint_category="other"
        )
    assert survey.questions.count() == 6


# --- The groups' questions of before: migration 0004 gives them their topic's category --------------------


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_questions_of_before_carry_their_topics_category(group):
    old = _migrate([("satisfaction", "0003_question_shipped")])
    try:
        Survey, Question = old.get_model("satisfaction", "Survey"), old.get_model("satisfaction", "Question")
        survey = Survey.objects.create(group_id=group.pk, name="售后回访问卷")
        for i, (text, kind, topic) in enumerate([
            ("总体满意度？(1–5)", "score", "overall"), ("服务顾问的接待？(1–5)", "score", "advisor"),
            ("维修质量？(1–5)", "score", "quality"), ("交车时间？(1–5)", "score", "timing"),
            ("费用解释？(1–5)", "score", "price"), ("休息区？(1–5)", "score", "facility"),
            ("洗车效果？(1–5)", "score", "other"), ("交车时间有什么意见？", "text", "timing"),
        ]):  # fmt: skip
            Question.objects.create(survey=survey, position=i, text=text, kind=kind, topic=topic)

        new = _migrate([("satisfaction", "0004_question_complaint_category")])

        got = dict(
            new.get_model("satisfaction", "Question").objects.filter(survey_id=survey.pk)
            .values_list("text", "complaint_category")
        )  # fmt: skip
        assert got == {
            "总体满意度？(1–5)": "", "服务顾问的接待？(1–5)": "attitude", "维修质量？(1–5)": "service_quality",
            "交车时间？(1–5)": "waiting", "费用解释？(1–5)": "price", "休息区？(1–5)": "facility",
            "洗车效果？(1–5)": "", "交车时间有什么意见？": "",
        }  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
