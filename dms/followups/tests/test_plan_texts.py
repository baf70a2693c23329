"""The default plan's words as the reader sees them: the rules' names in the reader's language whatever
language created the plan, and scripts of a customer's touches that read well without a car."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from dms.followups.models import TouchRule, Trigger
from dms.followups.plans import DEFAULT_RULES, ensure_defaults, render_script, rule_name

pytestmark = pytest.mark.django_db
CUSTOMER_TRIGGERS = {Trigger.BIRTHDAY, Trigger.DORMANT, Trigger.KEEP_IN_TOUCH, Trigger.COMPLAINT_CLOSED,
                     Trigger.REFERRAL_MADE}  # fmt: skip


def test_a_plan_created_in_chinese_keeps_the_names_in_english_and_shows_each_reader_theirs(store):
    with translation.override("zh-hans"):  # the demo loader's and a Chinese page's language
        ensure_defaults(store.group_id)
    rule = TouchRule.objects.get(group_id=store.group_id, code="insurance_60")

    assert rule.name == "Insurance renewal: 60 days before expiry"
    with translation.override("en"):
        assert rule_name(rule) == "Insurance renewal: 60 days before expiry"
    with translation.override("zh-hans"):
        assert rule_name(rule) == "续保：到期前60天"


def test_a_default_name_stored_in_chinese_by_an_earlier_version_is_shown_in_english(store):
    ensure_defaults(store.group_id)
    rule = TouchRule.objects.get(group_id=store.group_id, code="insurance_60")
    TouchRule.objects.filter(pk=rule.pk).update(name="续保：到期前60天")
    rule.refresh_from_db()

    with translation.override("en"):
        assert rule_name(rule) == "Insurance renewal: 60 days before expiry"


def test_a_name_the_store_wrote_is_shown_as_written(store):
    ensure_defaults(store.group_id)
    rule = TouchRule.objects.get(group_id=store.group_id, code="insurance_60")
    TouchRule.objects.filter(pk=rule.pk).update(name="续保第一次提醒")
    rule.refresh_from_db()

    with translation.override("en"):
        assert rule_name(rule) == "续保第一次提醒"


@pytest.mark.parametrize(
    "d", [d for d in DEFAULT_RULES if d.trigger in CUSTOMER_TRIGGERS], ids=lambda d: d.code
)
def test_the_scripts_of_a_customers_touch_need_no_car(d):
    values = {"name": "张先生", "store": "深圳一店", "manager": "王经理", "manager_phone": "13900000000"}

    for script in (d.script_zh, d.script_en):
        text = render_script(script, values)  # a customer's touch: no plate, no model
        assert "{plate}" not in script and "{model}" not in script
        assert "  " not in text and " :" not in text and " ." not in text


def test_the_migration_gives_plans_still_holding_the_old_defaults_the_new_words(store):
    ensure_defaults(store.group_id)
    migration = importlib.import_module("dms.followups.migrations.0006_customer_touch_scripts")
    (old_zh, new_zh), (old_en, new_en) = migration.SCRIPTS["keep_in_touch_dominant"]
    TouchRule.objects.filter(code="keep_in_touch_dominant").update(script_zh=old_zh, script_en=old_en)
    TouchRule.objects.filter(code="dormant_6m").update(script_en="Our own words about {plate}.")

    migration.forward(apps, None)

    rule = TouchRule.objects.get(group_id=store.group_id, code="keep_in_touch_dominant")
    assert (rule.script_zh, rule.script_en) == (new_zh, new_en)
    assert (
        TouchRule.objects.get(group_id=store.group_id, code="dormant_6m").script_en
        == "Our own words about {plate}."
    )
