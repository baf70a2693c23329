"""Forms of the workshop pages; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dms.core.templatetags.dms import money
from dms.customers.models import Channel, PreferredTime

from .models import WORK_FEES, FeeCategory, LineKind, OldParts, Payer, PaymentMethod, WarrantyDecision
from .rules import WorkClass


class OrderForm(forms.Form):
    mileage_km = forms.IntegerField(label=_("mileage in (km)"), min_value=0, max_value=2_000_000)
    complaint = forms.CharField(label=_("customer's words"), widget=forms.Textarea(attrs={"rows": 3}))
    promised_at = forms.DateTimeField(
        label=_("promised completion"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    work_class = forms.ChoiceField(
        label=_("kind of work"), choices=WorkClass.choices, initial=WorkClass.MINOR
    )
    payment_method = forms.ChoiceField(
        label=_("payment method"), choices=PaymentMethod.choices, initial=PaymentMethod.WECHAT
    )
    old_parts = forms.ChoiceField(label=_("old parts"), choices=OldParts.choices, initial=OldParts.LEAVE)
    free_wash = forms.BooleanField(label=_("free wash"), required=False, initial=True)
    preauth_amount = forms.DecimalField(
        label=_("pre-authorised extra amount"), min_value=0, decimal_places=2, initial=0,
        help_text=_("Extra work up to this amount is done without calling the customer."),
    )  # fmt: skip
    preauth_minutes = forms.IntegerField(
        label=_("pre-authorised extra time (minutes)"), min_value=0, initial=0
    )


class LineForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=LineKind.choices)
    labor_operation = forms.TypedChoiceField(
        label=_("labor operation"), coerce=int, required=False, empty_value=None
    )
    part = forms.TypedChoiceField(label=_("part"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(label=_("description"), max_length=200, required=False)
    quantity = forms.DecimalField(
        label=_("quantity"), decimal_places=2, required=False, help_text=_("Hours for labor.")
    )
    unit_price = forms.DecimalField(
        label=_("unit price"), decimal_places=2, required=False, help_text=_("Empty: the standard price.")
    )
    discount = forms.DecimalField(label=_("discount"), decimal_places=2, required=False, initial=0)
    payer = forms.ChoiceField(label=_("payer"), choices=Payer.choices)
    fee_category = forms.ChoiceField(
        label=_("counted on the settlement list as"), required=False,
        choices=[("", _("As the labor operation says"))] + [(v, label) for v, label in FeeCategory.choices if v in WORK_FEES],
        help_text=_("Parts and materials are always a materials fee."),
    )  # fmt: skip
    warranty = forms.ChoiceField(label=_("warranty decision"), choices=WarrantyDecision.choices)
    warranty_reason = forms.CharField(label=_("why"), max_length=200, required=False)

    # What only the advisor decides (price, discount, who pays, the fee it is counted as); a
    # technician proposes the work itself.
    ADVISOR_FIELDS = ("unit_price", "discount", "payer", "fee_category", "warranty", "warranty_reason")

    def __init__(self, *args, operations=(), parts=(), advisor: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not advisor:
            for name in self.ADVISOR_FIELDS:
                del self.fields[name]
        self.fields["labor_operation"].choices = [("", "—")] + [
            (o.pk, f"{o.code} {o.name} ({o.standard_hours}h)") for o in operations
        ]
        self.fields["part"].choices = [("", "—")] + [
            (p.pk, f"{p.number} {p.name} ¥{money(p.price)}") for p in parts
        ]

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["labor_operation_id"] = d.pop("labor_operation")
        d["part_id"] = d.pop("part")
        if "discount" in d:
            d["discount"] = d["discount"] or 0
        if "fee_category" in d:
            d["fee_category"] = d["fee_category"] or None
        return d


def _yes(value: str) -> bool:
    return value == "yes"


class DeliverForm(forms.Form):
    """Delivery (交车): what the customer says when they take the car back. The service checks it
    again (the API sends the same); this form gives each answer its field and its message."""

    mileage_out = forms.IntegerField(
        label=_("Mileage out (km)"), min_value=0, max_value=2_000_000, required=False,
        help_text=_("Empty: the mileage in."),
    )  # fmt: skip
    old_parts_returned = forms.TypedChoiceField(
        label=_("Old parts"), coerce=_yes, widget=forms.RadioSelect,
        choices=[("yes", _("Handed over to the customer")), ("no", _("Not handed over"))],
        error_messages={"required": _("Say whether the old parts were handed over to the customer."),
                        "invalid_choice": _("Say whether the old parts were handed over to the customer.")},
    )  # fmt: skip
    followup_consent = forms.TypedChoiceField(
        label=_("Follow-up call or message within 2 days"), coerce=_yes, widget=forms.RadioSelect,
        choices=[("yes", _("Agrees to be contacted")), ("no", _("Does not want to be contacted"))],
        error_messages={"required": _("Say whether the customer agrees to a follow-up call or message."),
                        "invalid_choice": _("Say whether the customer agrees to a follow-up call or message.")},
    )  # fmt: skip
    followup_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=Channel.choices,
        error_messages={"required": _("Choose how the customer wants to be contacted."),
                        "invalid_choice": _("Choose how the customer wants to be contacted.")},
    )  # fmt: skip
    followup_time = forms.ChoiceField(
        label=_("Preferred time"), choices=PreferredTime.choices,
        error_messages={"required": _("Choose when the customer prefers to be contacted."),
                        "invalid_choice": _("Choose when the customer prefers to be contacted.")},
    )  # fmt: skip

    def __init__(self, *args, order, last_consent: bool | None = None, **kwargs):
        customer = order.customer
        kwargs.setdefault("initial", {
            "mileage_out": order.mileage_in,
            "old_parts_returned": "yes",
            "followup_consent": "no" if last_consent is False else "yes",
            "followup_channel": customer.preferred_channel or Channel.PHONE,
            "followup_time": customer.preferred_time or PreferredTime.ANY,
        })  # fmt: skip
        super().__init__(*args, **kwargs)
        # Old parts are handed over only when the customer chose, at consultation, to take them.
        self.asks_old_parts = order.old_parts == OldParts.TAKE
        if not self.asks_old_parts:
            del self.fields["old_parts_returned"]
        self.last_consent = last_consent

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d.setdefault("old_parts_returned", None)
        return d
