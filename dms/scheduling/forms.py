"""Forms of the scheduling pages. They parse and render; the services validate and write."""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Appointment, Job


class StartField(forms.CharField):
    """A start time sent as ISO 8601 (the value of a slot's radio button)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(_("Choose one of the free times.")) from None


class SlotQueryForm(forms.Form):
    """What the slot grid is computed for: a date and a job of some standard hours."""

    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    job = forms.ChoiceField(label=_("kind of work"), choices=Job.choices, initial=Job.MAINTENANCE)
    hours = forms.DecimalField(
        label=_("standard hours"),
        required=False,
        min_value=0.25,
        max_value=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25"}),
        help_text=_("Empty: the kind of work's standard hours."),
    )


class BookingForm(SlotQueryForm):
    vehicle = forms.IntegerField(widget=forms.HiddenInput, required=False)
    start = StartField(label=_("start"), error_messages={"required": _("Choose one of the free times.")})
    items = forms.CharField(
        label=_("requested work"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In the customer's words."),
    )
    note = forms.CharField(
        label=_("note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    channel = forms.ChoiceField(
        label=_("booked"),
        choices=[(c, label) for c, label in Appointment.Channel.choices if c != Appointment.Channel.WEB],
        initial=Appointment.Channel.PHONE,
    )
    deposit_amount = forms.DecimalField(
        label=_("deposit"), required=False, min_value=0, decimal_places=2, max_digits=10
    )
    deposit_method = forms.ChoiceField(
        label=_("deposit paid by"), required=False, choices=[("", "—"), *Appointment.DepositMethod.choices]
    )
    reason = forms.CharField(label=_("why the new time"), required=False, max_length=300)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "start": d["start"], "hours": d.get("hours"), "job": d["job"],
            "items": d.get("items", ""), "note": d.get("note", ""), "channel": d["channel"],
            "deposit_amount": d.get("deposit_amount"), "deposit_method": d.get("deposit_method", ""),
        }  # fmt: skip


class ActionForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("why"), required=False, max_length=300)


class DepositForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    amount = forms.DecimalField(label=_("deposit"), min_value=0, decimal_places=2, max_digits=10)
    method = forms.ChoiceField(label=_("paid by"), choices=Appointment.DepositMethod.choices)


class PublicBookingForm(forms.Form):
    """The customer's own booking: who they are (plate and mobile), when, and for what."""

    plate = forms.CharField(
        label=_("plate"), max_length=12, widget=forms.TextInput(attrs={"placeholder": "粤B12345"})
    )
    mobile = forms.CharField(
        label=_("mobile"),
        max_length=20,
        help_text=_("The mobile number the store has on file for the car's owner."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    date = forms.ChoiceField(label=_("date"))
    job = forms.ChoiceField(label=_("kind of work"), choices=Job.choices, initial=Job.MAINTENANCE)
    start = StartField(label=_("time"), error_messages={"required": _("Choose one of the free times.")})
    items = forms.CharField(
        label=_("What should we do?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: 10,000 km service, a noise from the front left wheel."),
    )

    def __init__(self, *args, days=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].choices = [(d.isoformat(), label) for d, label in days]
