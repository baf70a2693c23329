"""Survey pages: the agent's call, the customer's signed link, the scores, the questionnaire."""

from django.test import Client

from dms.satisfaction.models import Complaint, Question, SurveyResponse
from dms.satisfaction.surveys import make_token


def _form(survey, overall, **extra) -> dict:
    data = {}
    for q in survey.questions.all():
        if q.topic == "overall":
            data[f"q{q.pk}"] = str(overall)
        elif q.kind == "text" and "text" in extra:
            data[f"q{q.pk}"] = extra["text"]
    return data


def test_care_takes_the_survey_on_a_call_and_a_low_score_opens_her_case(
    care_client, survey, delivered_order, care
):
    html = care_client.get("/satisfaction/surveys/").content.decode()
    assert delivered_order.number in html
    page = care_client.get(f"/satisfaction/surveys/orders/{delivered_order.pk}/").content.decode()
    assert survey.questions.get(topic="overall").text in page
    r = care_client.post(
        f"/satisfaction/surveys/orders/{delivered_order.pk}/", _form(survey, 1, text="车没洗干净")
    )
    case = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/satisfaction/complaints/{case.pk}/"
    assert case.owner == care and case.severity == "high" and case.source == "survey"
    # answered: no longer to ask about, and not twice
    assert (
        delivered_order.number
        not in care_client.get("/satisfaction/surveys/").content.decode().split('id="latest-answers"')[0]
    )
    care_client.post(f"/satisfaction/surveys/orders/{delivered_order.pk}/", _form(survey, 5))
    assert SurveyResponse.objects.count() == 1


def test_the_overall_question_must_be_answered(care_client, survey, delivered_order):
    r = care_client.post(f"/satisfaction/surveys/orders/{delivered_order.pk}/", {})
    assert r.status_code == 400 and not SurveyResponse.objects.exists()


def test_the_customer_answers_on_the_signed_link_without_signing_in(survey, delivered_order):
    c = Client()
    url = f"/satisfaction/s/{make_token(delivered_order.pk, survey.pk)}/"
    r = c.get(url)
    assert r.status_code == 200 and r["X-Robots-Tag"] == "noindex, nofollow"
    html = r.content.decode()
    assert 'lang="zh-CN"' in html and "您" in html  # Chinese by default
    r = c.post(url, _form(survey, 4, text="挺好"))
    assert r.status_code == 200 and SurveyResponse.objects.get().channel == "link"
    assert SurveyResponse.objects.get().taken_by is None
    r = c.post(url, _form(survey, 1))  # again: thanked, nothing recorded twice
    assert r.status_code == 200 and SurveyResponse.objects.count() == 1 and not Complaint.objects.exists()


def test_a_forged_link_opens_nothing(survey, delivered_order):
    token = make_token(delivered_order.pk, survey.pk)
    assert Client().get(f"/satisfaction/s/{token[:-3]}abc/").status_code == 404
    assert Client().get("/satisfaction/s/1.1:abc:def/").status_code == 404


def test_a_low_score_on_the_link_opens_a_case_for_the_care_agent(survey, delivered_order, care):
    Client().post(f"/satisfaction/s/{make_token(delivered_order.pk, survey.pk)}/", _form(survey, 2))
    case = Complaint.objects.get()
    assert case.owner == care and case.opened_by is None and case.severity == "medium"


def test_the_scores_are_for_csi_report_holders(
    manager_client, care_client, survey, delivered_order, care, store
):
    from dms.satisfaction.surveys import survey_response_record
    from dms.satisfaction.tests.conftest import answers_for

    survey_response_record(store=store, survey=survey, repair_order=delivered_order, channel="call",
                           answers=answers_for(survey, 4, advisor=5), taken_by=care)  # fmt: skip
    assert care_client.get("/satisfaction/csi/").status_code == 403
    html = manager_client.get("/satisfaction/csi/").content.decode()
    assert "4.00" in html and str(delivered_order.advisor) in html


def test_the_manager_changes_the_questionnaire_but_not_into_coaching(manager_client, survey):
    r = manager_client.post("/satisfaction/surveys/questions/", {"text": "休息区是否舒适？(1–5)", "kind": "score",
                                                                  "topic": "facility"})  # fmt: skip
    assert r.status_code == 302 and survey.questions.filter(topic="facility").exists()
    r = manager_client.post("/satisfaction/surveys/questions/", {"text": "接到回访电话请您回答非常满意好吗",
                                                                  "kind": "score", "topic": "other"})  # fmt: skip
    assert r.status_code == 400 and not survey.questions.filter(text__contains="非常满意好吗").exists()
    overall = survey.questions.get(topic="overall")
    manager_client.post("/satisfaction/surveys/questions/", {"remove": overall.pk})
    assert Question.objects.filter(pk=overall.pk).exists()


def test_other_groups_visits_are_not_found(outsider_client, survey, delivered_order):
    assert outsider_client.get(f"/satisfaction/surveys/orders/{delivered_order.pk}/").status_code == 404
    assert (
        outsider_client.post(f"/satisfaction/surveys/orders/{delivered_order.pk}/send-link/").status_code
        == 404
    )


def test_the_manager_says_what_a_low_score_on_a_question_is_about(manager_client, survey):
    advisor = survey.questions.get(topic="advisor")
    page = manager_client.get("/satisfaction/surveys/questions/").content.decode()
    assert page.count('name="complaint_category"') == 5  # four score questions and the new one's
    assert '<option value="attitude" selected>' in page

    manager_client.post("/satisfaction/surveys/questions/", {"edit": advisor.pk, "text": advisor.text,
                                                            "complaint_category": "communication"})  # fmt: skip
    r = manager_client.post("/satisfaction/surveys/questions/", {"text": "取车时车辆是否干净？(1–5)", "kind": "score",
                                                                  "topic": "other", "complaint_category": "damage"})  # fmt: skip

    assert r.status_code == 302
    advisor.refresh_from_db()
    assert advisor.complaint_category == "communication"
    assert survey.questions.get(text="取车时车辆是否干净？(1–5)").complaint_category == "damage"
    manager_client.post("/satisfaction/surveys/questions/", {"edit": advisor.pk, "text": advisor.text})
    advisor.refresh_from_db()
    assert advisor.complaint_category == "communication"  # a text changed alone leaves it
