"""Forms of the complaint pages; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Severity, Source


class CaseForm(forms.Form):
    """A new case, at the counter or from a call: the customer is chosen before."""

    repair_order = forms.TypedChoiceField(
        label=_("Repair order complained about"), required=False, coerce=int, empty_value=None
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM, widget=forms.RadioSelect,
        help_text=_("High: safety, money or a customer who threatens to leave or go public."),
    )  # fmt: skip
    source = forms.ChoiceField(label=_("How it came in"), choices=Source.choices, initial=Source.COUNTER)
    description = forms.CharField(
        label=_("What the customer said"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In the customer's own words."),
    )  # fmt: skip

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repair_order"].choices = [("", _("— none —"))] + [
            (o.pk, f"{o.number} · {o.opened_at:%Y-%m-%d} · {o.vehicle.plate or o.vehicle.model}")
            for o in orders
        ]


class ResolveForm(forms.Form):
    root_cause = forms.CharField(
        label=_("Root cause"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why it happened, so that it does not happen again."),
    )  # fmt: skip
    resolution = forms.CharField(
        label=_("Resolution"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done for the customer."),
    )  # fmt: skip


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)
