"""The store's platform settings form (the service checks and saves: services.platform_settings_save)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TOKEN_PATH, UPLOAD_PATH


class PlatformForm(forms.Form):
    base_url = forms.CharField(
        label=_("Platform address"), max_length=300,
        widget=forms.URLInput(attrs={"placeholder": "https://platform.example.gov.cn"}),
    )  # fmt: skip
    company_code = forms.CharField(label=_("Company code"), max_length=50)
    password = forms.CharField(
        label=_("Password"), max_length=200, required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Never shown again. Leave it empty to keep the password set before."),
    )  # fmt: skip
    active = forms.BooleanField(label=_("Upload each settled order's record automatically"), required=False)
    token_path = forms.CharField(
        label=_("Path of the token call"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"placeholder": TOKEN_PATH}),
    )  # fmt: skip
    upload_path = forms.CharField(
        label=_("Path of the upload call"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"placeholder": UPLOAD_PATH}),
    )  # fmt: skip
