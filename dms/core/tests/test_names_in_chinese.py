"""The names of things read in Chinese: the admin's headings and models, and the records and fields
the change history of a customer or vehicle names (dms.core.audit.timeline_for labels a record by its
model's verbose_name and each changed field by the field's)."""

import re
from html.parser import HTMLParser

from auditlog.registry import auditlog
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.utils import translation

from conftest import PASSWORD, make_user
from dms.core.models import User
from dms.core.roles import Role

CJK = re.compile(r"[\u3400-\u9fff]")


def _shown_in_the_admin_or_ours(config) -> bool:
    return config.name.startswith("dms.") or any(admin.site.is_registered(m) for m in config.get_models())


def _our_models():
    return [m for m in apps.get_models() if m.__module__.startswith("dms.")]


def test_every_app_heading_of_the_admin_and_every_app_of_ours_is_chinese():
    """An app's heading (the admin's sections, axes' and auditlog's included) is a Chinese word."""
    configs = [c for c in apps.get_app_configs() if _shown_in_the_admin_or_ours(c)]
    assert {"axes", "auditlog", "core", "customers", "workshop"} <= {c.label for c in configs}
    with translation.override("zh-hans"):
        english = {c.label: str(c.verbose_name) for c in configs if not CJK.search(str(c.verbose_name))}
    assert english == {}


def test_every_model_of_ours_is_named_in_chinese_singular_and_plural():
    """A model's name and plural are Chinese, and the plural is not the name with an "s" added
    (Django's default when only the name is given: "销售设置s")."""
    wrong = {}
    with translation.override("zh-hans"):
        for model in _our_models():
            name, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
            if not (CJK.search(name) and CJK.search(plural)) or plural.endswith("s"):
                wrong[model._meta.label] = (name, plural)
    assert wrong == {}


def test_every_field_of_an_audited_model_is_named_in_chinese():
    """Each field the change history may name (every stored field of every audited model) reads in
    Chinese, not as its attribute name ("assigned to", "done at")."""
    audited = list(auditlog.get_models())
    assert len(audited) > 10
    english = {}
    with translation.override("zh-hans"):
        for model in audited:
            for field in model._meta.concrete_fields:
                if not field.primary_key and not CJK.search(str(field.verbose_name)):
                    english[f"{model._meta.label}.{field.name}"] = str(field.verbose_name)
    assert english == {}


class _AppList(HTMLParser):
    """The app list of the admin's index: each app's heading (the caption's link) and its models'
    names (the rows' headers)."""

    def __init__(self):
        super().__init__()
        self.headings: list[str] = []
        self.models: list[str] = []
        self._into = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "caption":
            self._into, self._text = self.headings, ""
        elif tag == "th" and ("scope", "row") in attrs:
            self._into, self._text = self.models, ""

    def handle_data(self, data):
        if self._into is not None:
            self._text += data

    def handle_endtag(self, tag):
        if self._into is not None and tag in ("caption", "th"):
            self._into.append(" ".join(self._text.split()))
            self._into = None


def _admin_index(user) -> _AppList:
    c = Client()
    c.force_login(user)
    page = c.get("/admin/")
    assert page.status_code == 200
    app_list = _AppList()
    app_list.feed(page.content.decode())
    return app_list


def test_the_admin_index_shows_no_english_names(store):
    """The admin's index in the default language names every app and model in Chinese, none in
    Latin letters only ("AXES", "Access attempts"): as a group's administrator reads it (the group's
    reference data, the sign-in attempts, the change history) and as the installation's operator
    (a superuser of no group) does."""
    administrator = make_user("admin", store, Role.ADMINISTRATOR, is_staff=True)
    operator = User.objects.create_superuser("operator", password=PASSWORD)
    seen = {user.username: _admin_index(user) for user in (administrator, operator)}
    assert all(app_list.headings and app_list.models for app_list in seen.values())
    names = {n for app_list in seen.values() for n in app_list.headings + app_list.models}
    latin_only = sorted(n for n in names if re.fullmatch(r"[A-Za-z\s'_-]+", n))
    assert latin_only == []
    assert {"客户", "预约与产能", "新车销售", "登录记录与锁定", "登录尝试", "变更记录"} <= names
