"""care1 asks a customer about their visit on the phone and records a low score: a complaint case
opens for her. Nobody acknowledges it in time: the worker escalates it to the service manager,
manager1, who finds it first on the home page, resolves it and closes it once the customer
confirms. In Chinese and in English (screenshots of both)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from conftest import PASSWORD, make_user
from dms.core.roles import Role
from dms.satisfaction.models import CaseState, Complaint, SurveyResponse
from dms.satisfaction.services import complaint_escalate_overdue
from dms.satisfaction.surveys import survey_default

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def care(store):
    return make_user("care1", store, Role.CUSTOMER_CARE)


@pytest.fixture
def delivered(tenant, vehicle, technician, store):
    from dms.scheduling.models import Technician
    from dms.workshop.models import RepairOrder
    from dms.workshop.services import repair_order_create

    order = repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=13000, complaint="保养")
    RepairOrder.objects.filter(pk=order.pk).update(
        state="delivered", delivered_at=timezone.now() - timedelta(days=2),
        technician=Technician.objects.create(store=store, user=technician),
    )  # fmt: skip
    return order


def sign_in(page, username: str) -> None:
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page.locator("header.topbar")).to_be_visible()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_low_score_becomes_a_case_escalated_to_the_service_manager(
    tablet, shot, store, sa, manager, care, delivered, lang
):
    care.language = lang
    care.save(update_fields=["language"])
    manager.language = lang
    manager.save(update_fields=["language"])
    survey = survey_default(store.group)
    overall = survey.questions.get(topic="overall")
    timing = survey.questions.get(topic="timing")
    said = survey.questions.get(kind="text")
    suffix = "zh" if lang == "zh-hans" else "en"
    page = tablet

    # care1 calls the customer: the visit is on her list of visits to ask about.
    sign_in(page, "care1")
    page.goto("/satisfaction/surveys/")
    row = page.locator("tr", has_text=delivered.number)
    expect(row).to_be_visible()
    shot(page, f"csi-01-visits-to-ask-{suffix}")
    row.get_by_role("link").click()
    expect(page.locator("#survey-form")).to_be_visible()
    with translation.override(lang):
        expect(page.locator("#survey-form")).to_contain_text(overall.shown)

    # She reads the questions as written and records the answers as given: 1 overall.
    page.locator(f'input[name="q{overall.pk}"][value="1"]').check()
    page.locator(f'input[name="q{timing.pk}"][value="1"]').check()
    page.locator(f'textarea[name="q{said.pk}"]').fill("说好下午四点交车，六点才拿到，也没人提前打电话。")
    shot(page, f"csi-02-survey-on-a-call-{suffix}")
    page.locator("#survey-form button[type=submit]").click()

    # A case opens for her, with its deadlines.
    case = Complaint.objects.get()
    expect(page.locator("h1")).to_contain_text(case.number)
    expect(page.locator("#case-owner")).to_contain_text(str(care))
    assert (case.source, case.severity, case.category, case.owner) == ("survey", "high", "waiting", care)
    assert SurveyResponse.objects.get().complaint == case
    shot(page, f"csi-03-case-opened-for-care1-{suffix}")

    # Nobody acknowledges it within the SLA (2 hours for a high severity): its deadline is moved
    # into the past (the browser's clock cannot travel), and the worker's sweep escalates it to the
    # store's service manager.
    late = timezone.now() - timedelta(minutes=1)
    Complaint.objects.filter(pk=case.pk).update(acknowledge_by=late)
    assert complaint_escalate_overdue() == 1
    case.refresh_from_db()
    assert (case.state, case.owner) == (CaseState.ESCALATED, manager)

    # manager1 finds it first on the home page.
    sign_in(page, "manager1")
    page.goto("/")
    panel = page.locator("#my-cases")
    expect(panel).to_contain_text(case.number)
    shot(page, f"csi-04-manager-home-escalated-{suffix}")
    panel.locator("a.button.primary").first.click()
    expect(page.locator("h1")).to_contain_text(case.number)
    expect(page.locator("#case-owner")).to_contain_text(str(manager))

    # He resolves it with the root cause, then closes it once the customer confirms.
    steps = page.locator("#case-steps")
    steps.locator("textarea[name=root_cause]").fill("交车时间变更后没有通知客户。")
    steps.locator("textarea[name=resolution]").fill("致歉，赠送一次保养工时，并把交车延误提醒加入流程。")
    shot(page, f"csi-05-manager-resolves-{suffix}")
    steps.locator("form", has=page.locator("textarea[name=root_cause]")).locator(
        "button[type=submit]"
    ).click()
    expect(page.locator("#close-reason")).to_be_visible()
    page.locator("#close-reason").fill("客户电话确认接受处理。")
    page.locator("#close-reason").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator("#case-steps")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.customer_confirmation == "客户电话确认接受处理。"
    shot(page, f"csi-06-case-closed-{suffix}")
    page.goto("/")
    expect(page.locator("#my-cases")).to_have_count(0)

    # The cases list and the scores: the survey's 1 is on the advisor's and the technician's rows.
    page.goto("/satisfaction/complaints/?tab=all")
    expect(page.locator("table.cs-list")).to_contain_text(case.number)
    shot(page, f"csi-09-case-list-{suffix}")
    page.goto("/satisfaction/csi/")
    expect(page.locator("table.cs-scores").first).to_contain_text("1.00")
    assert wrapped_cells(page) == []  # every table wide enough for its heads and figures
    shot(page, f"csi-10-scores-{suffix}")
    page.set_viewport_size({"width": 1024, "height": 768})  # a smaller tablet, or a laptop's window
    assert wrapped_cells(page) == []
    shot(page, f"csi-11-scores-1024-{suffix}")


def wrapped_cells(page) -> list[str]:
    """The texts of the score tables' cells that break over more than one line."""
    return page.evaluate("""() => [...document.querySelectorAll("table.cs-scores th, table.cs-scores td")]
        .filter((cell) => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            const boxes = [...range.getClientRects()];  // a piece of text below another: a second line
            return boxes.some((a) => boxes.some((b) => b.top >= a.bottom - 1));
        })
        .map((cell) => cell.textContent.trim())""")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_customer_answers_on_the_phone_by_the_texted_link(
    chromium, live_server, shot, store, care, delivered, lang
):
    from dms.satisfaction.surveys import make_token

    survey = survey_default(store.group)
    overall = survey.questions.get(topic="overall")
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url,
                                 device_scale_factor=2, is_mobile=True, has_touch=True)  # fmt: skip
    page = phone.new_page()
    suffix = "zh" if lang == "zh-hans" else "en"
    page.goto(
        f"/satisfaction/s/{make_token(delivered.pk, survey.pk)}/" + ("?lang=en" if lang == "en" else "")
    )
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("header")).to_contain_text(store.name)
    shot(page, f"csi-07-customer-link-{suffix}")
    page.locator(f'input[name="q{overall.pk}"][value="4"]').check()
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("谢谢您" if lang == "zh-hans" else "Thank you")
    shot(page, f"csi-08-customer-thanks-{suffix}", full_page=False)
    response = SurveyResponse.objects.get()
    assert (response.channel, response.overall, response.taken_by) == ("link", 4, None)
    assert not Complaint.objects.exists()
    phone.close()
