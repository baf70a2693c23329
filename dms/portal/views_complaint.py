"""The store's public complaint form (no sign-in): /c/complaint/<store code>/, linked from the
customer's progress page and given out by the store (a QR code at the counter, the website). A
complaint sent here opens a case with source `web` (dms/satisfaction/services.complaint_open_web):
the customer's name and mobile, what it is about, what happened, the plate when they give it, and
their agreement to the privacy notice shown on the page. Complaints sent are counted per client
address and per mobile number (dms/core/throttle.py): after WEB_ATTEMPTS within the hour the form
answers 429 and gives the store's phone instead; a form sent back with errors counts nothing."""

from functools import wraps
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from dms.core import throttle
from dms.core.errors import DomainError
from dms.core.models import Store
from dms.core.shell import apply_errors
from dms.customers.privacy import current_notice
from dms.satisfaction.models import Category
from dms.satisfaction.services import DESCRIPTION_MAX, NAME_MAX, WEB_SEVERITY, complaint_open_web, sla_for

LANGS = {code for code, _name in settings.LANGUAGES}
WEB_ATTEMPTS = 5  # complaints sent per hour, per client address and per mobile number
WEB_WINDOW = 3600


class ComplaintForm(forms.Form):
    """The fields as the customer fills them in; every check is the service's, with its own sentence
    (complaint_open_web), so that the page and the rules never disagree."""

    name = forms.CharField(
        label=gettext_lazy("Your name"), required=False,
        widget=forms.TextInput(attrs={"maxlength": NAME_MAX, "autocomplete": "name"}),
    )  # fmt: skip
    mobile = forms.CharField(
        label=gettext_lazy("Mobile"), required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "maxlength": 20}),
    )  # fmt: skip
    plate = forms.CharField(
        label=gettext_lazy("Number plate (if it is about your car)"), required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "placeholder": "粤B12345", "maxlength": 10}),
    )  # fmt: skip
    category = forms.CharField(
        label=gettext_lazy("What is it about?"), required=False,
        widget=forms.Select(choices=[("", "—"), *Category.choices]),
    )  # fmt: skip
    description = forms.CharField(
        label=gettext_lazy("What happened?"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX}),
    )  # fmt: skip
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I agree that the store uses my name, mobile and what I wrote to handle this complaint and "
            "to contact me about it, as the privacy notice above says."
        ),
        required=False,
    )


def public_page(view):
    """No login; Chinese unless the browser (or ?lang=en) asks otherwise; never cached, never indexed."""

    @wraps(view)
    def wrapper(request, store_code: str):
        lang = request.GET.get("lang")
        lang = lang if lang in LANGS else None
        with translation.override(lang or translation.get_language()):
            response = view(request, store_code, lang)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_form(request, store_code: str, lang):
    store = get_object_or_404(Store.objects.select_related("group"), code=store_code)
    lang_q = f"?lang={lang}" if lang else ""
    context = {
        "store": store, "lang_q": lang_q, "acknowledge_hours": sla_for(store, WEB_SEVERITY)[0],
        "sent": request.method != "POST" and request.GET.get("sent") == "1",
    }  # fmt: skip
    form = ComplaintForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        mobile = request.POST.get("mobile", "")
        # Complaints sent count, not tries: a customer who gets a field wrong a few times (or many
        # customers behind one mobile network's address) is never locked out by mistakes that wrote nothing.
        if throttle.spent(request, "portal:complaint", mobile=mobile, attempts=WEB_ATTEMPTS):
            form.add_error(
                None,
                _("Too many attempts. Please try again in an hour, or call us at %(phone)s.")
                % {"phone": store.phone or store.name},
            )
            status = 429
        elif form.is_valid():
            d = form.cleaned_data
            try:
                complaint_open_web(
                    store=store, name=d["name"], mobile=d["mobile"], plate=d["plate"], category=d["category"],
                    description=d["description"], consented=d["consent"],
                )  # fmt: skip
            except DomainError as exc:
                apply_errors(form, exc)
                status = 400
            else:
                throttle.record(request, "portal:complaint", mobile=mobile, window=WEB_WINDOW)
                return redirect(request.path + (f"{lang_q}&sent=1" if lang_q else "?sent=1"))
        else:
            status = 400
    context.update(form=form, notice=current_notice(store.group_id, "service"))
    with timezone.override(ZoneInfo(store.time_zone or settings.TIME_ZONE)):
        return render(request, "portal/complaint.html", context, status=status)
