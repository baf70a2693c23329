"""Forms of the customer pages. They parse and render; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Customer, CustomerContact

FIELDS = [
    "name", "title", "mobile", "phone2", "wechat", "email", "preferred_channel", "preferred_time",
    "occupation", "region", "address", "source", "birthday", "known_since", "behaviour_type", "notes",
]  # fmt: skip


class CustomerForm(forms.Form):
    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Customer, fields=FIELDS))
        self.fields["mobile"] = forms.CharField(
            label=_("mobile"), max_length=30, help_text=_("11 digits, e.g. 138 1234 5678")
        )
        self.fields["birthday"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["known_since"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["notes"].widget.attrs["rows"] = 3
        self.fields["customer_manager"] = forms.TypedChoiceField(
            label=_("customer manager"),
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", "—")] + [(u.pk, str(u)) for u in managers],
        )
        self.fields["marketing_consent"] = forms.BooleanField(
            label=_("Consents to marketing messages (SMS, WeChat, calls)"), required=False
        )
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        self.order_fields(["name", "title", "mobile", "phone2", "wechat", "email"])

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "customer_manager")}
        data["customer_manager_id"] = self.cleaned_data.get("customer_manager")
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = CustomerContact
        fields = ["kind", "direction", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2})}


class ConsentForm(forms.Form):
    granted = forms.BooleanField(required=False)
    how = forms.CharField(label=_("How the customer said so"), max_length=100, required=False)
