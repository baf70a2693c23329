"""/api/v1/surveys and /api/v1/survey-responses: bad input answers 4xx with sentences, other groups 404."""

from dms.satisfaction.models import Complaint, SurveyResponse
from dms.satisfaction.tests.conftest import answers_for


def test_the_questionnaire_lists_its_questions(care_api):
    r = care_api.get("/surveys")
    assert r.status_code == 200
    (survey,) = r.json()["items"]
    assert survey["active"] and survey["questions"][0]["topic"] == "overall"
    assert {q["kind"] for q in survey["questions"]} == {"score", "text"}


def test_a_low_score_by_call_answers_201_with_the_case(care_api, survey, delivered_order, care):
    body = {"survey_id": survey.pk, "repair_order_id": delivered_order.pk, "channel": "call",
            "answers": answers_for(survey, 2, price=1, text="收费没有解释清楚")}  # fmt: skip
    r = care_api.post("/survey-responses", body)
    assert r.status_code == 201, r.json()
    case = Complaint.objects.get(pk=r.json()["complaint_id"])
    assert case.owner == care and case.category == "price" and case.severity == "medium"
    assert r.json()["overall"] == 2
    r = care_api.post("/survey-responses", body)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "repair_order_id"


def test_bad_input_answers_with_sentences(care_api_en, survey, delivered_order):
    base = {"survey_id": survey.pk, "repair_order_id": delivered_order.pk, "channel": "call"}
    r = care_api_en.post("/survey-responses", {**base, "channel": "fax", "answers": []})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("channel")
    overall = survey.questions.get(topic="overall")
    r = care_api_en.post("/survey-responses", {**base, "answers": [{"question_id": overall.pk, "score": 9}]})
    assert r.status_code == 422
    r = care_api_en.post("/survey-responses", {**base, "answers": [{"question_id": 999999, "score": 3}]})
    assert r.status_code == 400
    assert r.json()["errors"][0] == {"field": "answers.0.question_id",
                                     "message": "This question is not in the questionnaire."}  # fmt: skip
    assert not SurveyResponse.objects.exists()


def test_another_groups_order_or_questionnaire_is_not_found(outsider_api, survey, delivered_order):
    r = outsider_api.post("/survey-responses", {"survey_id": survey.pk, "repair_order_id": delivered_order.pk,
                                                "channel": "call", "answers": answers_for(survey, 1)})  # fmt: skip
    assert r.status_code == 404
    assert all(s["id"] != survey.pk for s in outsider_api.get("/surveys").json()["items"])
    assert not SurveyResponse.objects.exists()


def test_a_technician_takes_no_surveys(store):
    from conftest import ApiClient, make_user
    from dms.core.roles import Role

    assert ApiClient(make_user("tech3", store, Role.TECHNICIAN)).get("/surveys").status_code == 403


def test_the_answers_are_listed_for_the_store_only(
    care_api, outsider_api, survey, delivered_order, store, care
):
    from dms.satisfaction.surveys import survey_response_record

    survey_response_record(store=store, survey=survey, repair_order=delivered_order, channel="call",
                           answers=answers_for(survey, 4, text="不错"), taken_by=care)  # fmt: skip
    r = care_api.get("/survey-responses", {"repair_order_id": delivered_order.pk}).json()
    assert r["count"] == 1 and r["items"][0]["overall"] == 4 and len(r["items"][0]["answers"]) == 2
    assert care_api.get("/survey-responses", {"customer_id": 1}).json()["count"] == 0
    assert outsider_api.get("/survey-responses").json()["count"] == 0


def test_each_question_says_what_a_low_score_on_it_is_about(care_api):
    (survey,) = care_api.get("/surveys").json()["items"]

    categories = {q["topic"]: q["complaint_category"] for q in survey["questions"]}

    assert (
        categories["overall"] == "" and categories["timing"] == "waiting" and categories["price"] == "price"
    )
