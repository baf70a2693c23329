"""The top bar: one row for every role, the parts of the work grouped into menus, the page's entry marked."""

import re

import pytest
from django.test import Client

from conftest import make_user
from dms.core.roles import Role

SUMMARIES = re.compile(r"<summary[^>]*>([^<]+)</summary>")
CURRENT = re.compile(r'<a href="([^"]+)" class="active" aria-current="page">')


def top_bar(user, path="/") -> str:
    client = Client()
    client.force_login(user)
    html = client.get(path, follow=True).content.decode()
    return html[html.index('<nav class="menu"') : html.index("</nav>")]


def flat_links(nav: str) -> list[str]:
    """The links shown in the bar itself (not inside a menu)."""
    outside = re.sub(r"<details.*?</details>", "", nav, flags=re.S)
    return re.findall(r">([^<>]+)</a>", outside)


@pytest.fixture
def people(store):
    return {
        "manager": make_user("manager1", store, Role.SERVICE_MANAGER),
        "sa": make_user("sa1", store, Role.SERVICE_ADVISOR),
        "tech": make_user("tech1", store, Role.TECHNICIAN),
    }


def test_a_service_manager_gets_three_menus_and_the_rest_flat(people):
    nav = top_bar(people["manager"])

    assert SUMMARIES.findall(nav) == ["售后", "车间", "客户关怀"]
    assert flat_links(nav) == ["今日", "客户", "车辆", "配件"]


def test_an_advisor_keeps_customers_one_click_away_and_the_workshop_board_flat(people):
    nav = top_bar(people["sa"])

    assert SUMMARIES.findall(nav) == ["售后"]
    assert flat_links(nav) == ["今日", "客户", "车辆", "车间看板", "配件", "回访", "投诉"]


def test_a_technician_finds_my_jobs_in_the_bar_itself(people):
    nav = top_bar(people["tech"])

    assert "我的作业" in flat_links(nav) and "车间看板" in flat_links(nav)


def test_the_menu_of_the_page_shown_is_marked_and_only_its_entry(people):
    nav = top_bar(people["manager"], "/orders/")

    assert CURRENT.findall(nav) == ["/orders/"]
    assert '<details class="drop active">\n        <summary class="active">售后</summary>' in nav


def test_a_page_under_an_entry_marks_the_longest_matching_entry(people):
    assert CURRENT.findall(top_bar(people["manager"], "/customers/import/")) == ["/customers/import/"]
    assert CURRENT.findall(top_bar(people["manager"], "/customers/")) == ["/customers/"]
    assert CURRENT.findall(top_bar(people["manager"], "/")) == ["/"]


def test_english_labels_too_wide_for_one_row_fold_the_last_group_of_two(people):
    manager, sa = people["manager"], people["sa"]
    manager.language = sa.language = "en"
    manager.save(update_fields=["language"])
    sa.save(update_fields=["language"])

    nav = top_bar(manager)
    assert SUMMARIES.findall(nav) == ["After-sales", "Workshop", "Customer care"]
    assert flat_links(nav) == ["Today", "Customers", "Vehicles", "Parts"]
    assert "Follow-ups" in nav and "Import / export" in nav  # inside the menu
    # An advisor's shorter bar keeps its workshop board flat, in English too.
    assert flat_links(top_bar(sa)) == ["Today", "Customers", "Vehicles", "Workshop board", "Parts"]


def test_the_home_page_offers_a_new_customer_only_to_roles_that_may_add_one(people):
    def home(user):
        client = Client()
        client.force_login(user)
        return client.get("/", follow=True).content.decode()  # a technician's is their jobs

    assert 'href="/customers/new/"' in home(people["sa"])
    assert 'href="/customers/new/"' not in home(people["tech"])  # it would answer 403


def test_a_technicians_and_a_qc_inspectors_day_starts_at_their_work(people, store):
    def landing(user):
        client = Client()
        client.force_login(user)
        return client.get("/").headers.get("Location")

    qc = make_user("qc1", store, Role.QC_INSPECTOR)
    assert (landing(people["tech"]), landing(qc), landing(people["sa"])) == (
        "/floor/my-jobs/",
        "/floor/qc/",
        None,
    )
