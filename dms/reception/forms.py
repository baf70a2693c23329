"""Forms of the check-in wizard: they parse and render; the services validate and write."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from dms.customers.models import Title
from dms.workshop.forms import OrderForm as WorkshopOrderForm

from .models import FUEL_EIGHTHS, WarningLamp, fuel_label


class ProtectForm(forms.Form):
    cover_seat = forms.BooleanField(label=_("Seat cover"), required=False)
    cover_wheel = forms.BooleanField(label=_("Steering-wheel cover"), required=False)
    cover_floor = forms.BooleanField(label=_("Floor mat"), required=False)


class WalkaroundForm(forms.Form):
    damage_marks = forms.CharField(widget=forms.HiddenInput, required=False)
    fuel_level = forms.TypedChoiceField(
        label=_("Fuel level"), coerce=int, required=False, empty_value=None, widget=forms.RadioSelect,
        choices=[(i, fuel_label(i)) for i in range(FUEL_EIGHTHS + 1)],
    )  # fmt: skip
    mileage_km = forms.IntegerField(
        label=_("Odometer (km)"), min_value=0, max_value=2_000_000, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip
    mileage_correction = forms.BooleanField(label=_("This corrects a wrong earlier reading"), required=False)
    mileage_note = forms.CharField(
        label=_("Why the earlier reading was wrong"), max_length=200, required=False
    )
    warning_lamps = forms.MultipleChoiceField(
        label=_("Warning lamps on"),
        choices=WarningLamp.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valuables = forms.CharField(
        label=_("Valuables in the car"), max_length=500, required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. sunglasses, dash cam, cash: none")}),
    )  # fmt: skip
    valuables_taken = forms.BooleanField(label=_("The customer took them along"), required=False)
    exterior_notes = forms.CharField(
        label=_("Other notes on the car"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_damage_marks(self):
        raw = self.cleaned_data.get("damage_marks") or "[]"
        try:
            marks = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("The marks could not be read: tap them again.")) from None
        return marks

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["warning_lamps"] = list(d["warning_lamps"])
        return d


class OrderForm(WorkshopOrderForm):
    """The workshop's own form for opening an order, without the mileage (read at the walk-around)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["mileage_km"]
        self.fields["complaint"].widget.attrs.update(
            rows=4,
            placeholder=_("In the customer's own words: what, since when, how often, in which conditions."),
        )


class RegisterForm(forms.Form):
    """A first visit: the customer (unless already in the file) and the vehicle, in one form."""

    name = forms.CharField(label=_("name"), max_length=50, required=False)
    title = forms.ChoiceField(label=_("title"), choices=Title.choices, required=False)
    mobile = forms.CharField(label=_("mobile"), max_length=30, required=False)
    plate = forms.CharField(
        label=_("plate"), max_length=12, required=False, help_text=_("e.g. 粤B12345, new-energy 粤BD12345")
    )
    vin = forms.CharField(label=_("VIN"), max_length=30, help_text=_("17 characters, no I, O or Q"))
    brand = forms.TypedChoiceField(label=_("brand"), coerce=int)
    model = forms.CharField(label=_("model"), max_length=50)
    mileage_km = forms.IntegerField(label=_("Odometer (km)"), min_value=0, max_value=2_000_000)

    def __init__(self, *args, brands=(), owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].choices = [(b.pk, b.name) for b in brands]
        if owner is not None:
            for name in ("name", "title", "mobile"):
                del self.fields[name]

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["brand_id"] = d.pop("brand")
        return d
