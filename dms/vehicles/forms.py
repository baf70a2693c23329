"""Forms of the vehicle pages. They parse and render; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Vehicle

FIELDS = [
    "vin", "plate", "brand", "model", "trim", "colour", "engine_no", "energy", "purchase_date",
    "registration_date", "selling_store", "usage", "insurance_company", "insurance_policy_no",
    "insurance_expiry", "inspection_due", "notes",
]  # fmt: skip
DATES = ["purchase_date", "registration_date", "insurance_expiry", "inspection_due"]


class VehicleForm(forms.Form):
    def __init__(self, *args, brands=(), stores=(), with_mileage=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Vehicle, fields=FIELDS))
        self.fields["vin"] = forms.CharField(
            label=_("VIN"), max_length=30, help_text=_("17 characters, no I, O or Q")
        )
        self.fields["plate"] = forms.CharField(
            label=_("plate"),
            max_length=12,
            required=False,
            help_text=_("e.g. 粤B12345, new-energy 粤BD12345"),
        )
        self.fields["brand"] = forms.TypedChoiceField(
            label=_("brand"), coerce=int, choices=[(b.pk, b.name) for b in brands]
        )
        self.fields["selling_store"] = forms.TypedChoiceField(
            label=_("sold by store"), coerce=int, required=False, empty_value=None,
            choices=[("", _("Elsewhere / unknown"))] + [(s.pk, str(s)) for s in stores],
        )  # fmt: skip
        for name in DATES:
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["notes"].widget.attrs["rows"] = 2
        if with_mileage:
            self.fields["mileage_km"] = forms.IntegerField(
                label=_("mileage (km)"), min_value=0, max_value=2_000_000
            )
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "brand", "selling_store")}
        data["brand_id"] = self.cleaned_data["brand"]
        data["selling_store_id"] = self.cleaned_data.get("selling_store")
        return data


class MileageForm(forms.Form):
    km = forms.IntegerField(label=_("Odometer (km)"), min_value=0, max_value=2_000_000)
    correction = forms.BooleanField(label=_("This corrects a wrong earlier reading"), required=False)
    note = forms.CharField(label=_("Note / reason"), max_length=200, required=False)


class TransferForm(forms.Form):
    new_owner = forms.IntegerField(widget=forms.HiddenInput)
    on_date = forms.DateField(label=_("Transfer date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
