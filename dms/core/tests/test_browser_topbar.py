"""The top bar on a 10" tablet: at 1024 px (landscape) and 768 px (portrait), as at 1280 px, every
item of the bar is inside the window (the store picker and the user's menu were cut off at the
right), the menu keeps to one line and no label breaks, in Chinese and in English, for the advisor
(two stores: a store picker), the service manager and the customer manager (the most menu entries);
the search box is never squeezed under a hand's width."""

import pytest

from conftest import PASSWORD
from dms.core.models import StoreMembership
from dms.core.roles import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# Each item of the bar, and each label of the menu: its box, and whether its text is on one line.
MEASURE = """() => {
  const bar = document.querySelector('.topbar');
  const boxes = [...bar.querySelectorAll(':scope > *, .menu > a, .menu > .drop > summary, .who > *')]
    .filter((e) => e.offsetParent !== null)
    .map((e) => { const r = e.getBoundingClientRect(); return {
      what: e.className || e.tagName, text: e.textContent.trim().slice(0, 30), left: r.left, right: r.right,
      top: r.top, height: r.height }; });
  const picker = bar.querySelector('.who select') || document.createElement('select');
  const shown = picker.getBoundingClientRect().width;
  picker.style.maxWidth = 'none';
  const whole = picker.getBoundingClientRect().width;
  picker.style.maxWidth = '';
  const me = bar.querySelector('.drop.user > summary');
  return {page: document.documentElement.scrollWidth, bar: bar.scrollWidth, boxes, picker: [shown, whole],
    me: [me.clientWidth, me.scrollWidth], search: bar.querySelector('.quicksearch').getBoundingClientRect().width};
}"""


@pytest.fixture
def advisor_of_two_stores(sa, store, second_store):
    store.name = "深圳福田店"  # the demo's: "SZ01 深圳福E…" was all the picker showed
    store.save(update_fields=["name"])
    StoreMembership.objects.create(user=sa, store=second_store, role=Role.SERVICE_ADVISOR)
    return sa


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_top_bar_fits_a_tablet(tablet, shot, advisor_of_two_stores, manager, customer_manager, language):
    page = tablet
    for user in (advisor_of_two_stores, manager, customer_manager):
        user.language = language
        user.save(update_fields=["language"])
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto("/login/")
        page.locator("input[name=username]").fill(user.username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.locator(".topbar .who").wait_for()
        for width in (1280, 1024, 768):
            page.set_viewport_size({"width": width, "height": 768})
            seen = page.evaluate(MEASURE)
            where = f"{user.username} {language} {width} px"
            assert seen["page"] <= width, f"{where}: the page is {seen['page']} px wide"
            assert seen["bar"] <= width, f"{where}: the bar is {seen['bar']} px wide"
            assert seen["boxes"], where
            for box in seen["boxes"]:
                assert box["left"] >= 0 and box["right"] <= width, f"{where}: {box} is cut off"
                # the menu (a box of its own) on one line, no label over two: none taller than a tap
                assert box["height"] <= 52, f"{where}: {box} takes more than one line"
            if user == advisor_of_two_stores:
                shown, whole = seen["picker"]
                assert shown >= whole - 1, f"{where}: the store picker shows {shown} of {whole} px"
            assert seen["me"][1] <= seen["me"][0], f"{where}: the user's name is cut"
            # one row where it fits, else two: always room for a search box one can read
            assert seen["search"] >= 240, f"{where}: the search box is {seen['search']} px"
            if width < 1280 or language == "en":
                shot(page, f"core-topbar-{user.username}-{language}-{width}", full_page=False)
