"""Forms of the follow-up pages; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dms.satisfaction.models import Category

SATISFACTION = [
    (5, _("5 · very satisfied")),
    (4, _("4 · satisfied")),
    (3, _("3 · neutral")),
    (2, _("2 · dissatisfied")),
    (1, _("1 · very dissatisfied")),
]


class OutcomeForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("Did the customer answer?"),
        choices=[("yes", _("Reached")), ("no", _("Not reached"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"), choices=SATISFACTION, coerce=int, required=False, empty_value=None,
        widget=forms.RadioSelect,
    )  # fmt: skip
    complaint = forms.BooleanField(label=_("The customer complains: open a complaint case"), required=False)
    # Shown (detail.html, followups.css) when a case opens: a score of 1 or 2 or the box above.
    category = forms.ChoiceField(
        label=_("What is the complaint about?"), choices=Category.choices, initial=Category.OTHER, required=False,
        help_text=_("The complaint case opens with this category."),
    )  # fmt: skip
    note = forms.CharField(
        label=_("What the customer said"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In the customer's own words; required for a complaint."),
    )  # fmt: skip


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Why"), required=False, max_length=2000)
