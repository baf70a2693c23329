"""Forms of the parts pages. They parse and render; the services validate and write."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Part

PART_FIELDS = ["number", "name", "unit", "price", "quality", "min_stock", "active", "notes"]


def _quantity_field(label, *, min_value=None, **kwargs):
    return forms.DecimalField(
        label=label,
        max_digits=10,
        decimal_places=2,
        min_value=min_value,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


class PartForm(forms.Form):
    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Part, fields=PART_FIELDS))
        self.fields["number"].help_text = _("As on the manufacturer's catalogue, e.g. 15400-RTA-003.")
        self.fields["number"].widget.attrs.update(autocapitalize="characters", autocomplete="off")
        for name in ("price", "min_stock"):
            self.fields[name].widget.attrs.update(step="0.01", inputmode="decimal")
        self.fields["quality"].help_text = _("How the settlement list marks the part.")
        if store is not None:
            self.fields["store_min_qty"] = _quantity_field(
                _("Minimum stock in %(store)s") % {"store": store.code},
                min_value=Decimal("0"),
                required=False,
                help_text=_("Empty: the part's minimum stock."),
            )
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def part_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in PART_FIELDS}


class ReceiveForm(forms.Form):
    quantity = _quantity_field(_("Quantity received"), min_value=Decimal("0.01"))
    reference = forms.CharField(label=_("Delivery note or order number"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AdjustForm(forms.Form):
    counted = _quantity_field(_("Counted on the shelf"), min_value=Decimal("0"))
    reason = forms.CharField(
        label=_("Why it differs"),
        max_length=200,
        help_text=_("E.g. stocktake 2026-05, damaged in storage, found in the wrong bin."),
    )
