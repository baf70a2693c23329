"""CSI survey pages: the visits to ask about, the survey taken on a call, the customer's own page
by signed link (no login, phone-sized, Chinese unless ?lang=en), the scores, the questionnaire."""

from datetime import datetime, time, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dms.core.errors import DomainError, Forbidden
from dms.core.roles import Perm
from dms.core.shell import apply_errors, tenant_required
from dms.core.tenancy import get_scoped
from dms.workshop.models import RepairOrder

from . import surveys
from .api import may_take_surveys
from .forms import AnswersForm, QuestionForm, question_categories
from .models import Question, Survey, SurveyResponse, Topic

ASK_WITHIN = timedelta(days=14)  # visits delivered this recently are offered to ask about
LANGS = {code for code, _name in settings.LANGUAGES}


def _require_taker(tenant) -> None:
    if not may_take_surveys(tenant):
        raise Forbidden(_("Your role does not allow this."))


@tenant_required
def survey_queue(request):
    """Visits delivered in the last two weeks not yet asked about, and the latest answers."""
    tenant = request.tenant
    _require_taker(tenant)
    survey = surveys.survey_default(tenant.store.group)
    since = timezone.now() - ASK_WITHIN
    answered = SurveyResponse.objects.filter(survey=survey).values("repair_order_id")
    to_ask = list(
        RepairOrder.objects.for_tenant(tenant)
        .filter(state__in=surveys.ANSWERABLE_STATES, delivered_at__gte=since)
        .exclude(pk__in=answered)
        .select_related("customer", "vehicle", "advisor")
        .order_by("delivered_at")[:100]
    )
    recent = list(
        SurveyResponse.objects.for_tenant(tenant)
        .select_related("repair_order", "customer", "taken_by", "complaint")
        .order_by("-at")[:20]
    )
    context = {
        "to_ask": to_ask, "recent": recent, "survey": survey,
        "can_report": tenant.can(Perm.CSI_REPORT), "can_manage": tenant.can(Perm.SURVEY_MANAGE),
    }  # fmt: skip
    return render(request, "satisfaction/surveys.html", context)


@tenant_required
@require_http_methods(["GET", "POST"])
def survey_take(request, order_id):
    """The agent reads the questions as written and records the answers (channel: call)."""
    tenant = request.tenant
    order = get_scoped(
        RepairOrder.objects.select_related("customer", "vehicle", "advisor"), tenant, pk=order_id
    )
    _require_taker(tenant)
    survey = surveys.survey_default(tenant.store.group)
    done = surveys.already_answered(survey, order)
    form = AnswersForm(request.POST if request.method == "POST" else None, survey=survey)
    if request.method == "POST" and done is None and form.is_valid():
        try:
            response = surveys.survey_response_record(
                store=tenant.store, survey=survey, repair_order=order, channel="call", answers=form.answers(),
                taken_by=tenant.user,
            )  # fmt: skip
        except DomainError as exc:
            if exc.status == 409:
                messages.error(request, exc.message)
                return redirect("satisfaction:survey_take", order_id=order.pk)
            form.error_fields(exc)
        else:
            if response.complaint_id:
                messages.warning(
                    request,
                    _(
                        "A low score: complaint case %(n)s is opened for you. Acknowledge it with the customer."
                    )
                    % {"n": response.complaint.number},
                )
                return redirect("satisfaction:case", complaint_id=response.complaint_id)
            messages.success(request, _("Thank you: the answers are recorded."))
            return redirect("satisfaction:surveys")
    context = {
        "order": order, "survey": survey, "form": form, "done": done,
        "link": request.build_absolute_uri(
            reverse("satisfaction:survey_link", args=[surveys.make_token(order.pk, survey.pk)])
        ),
    }  # fmt: skip
    return render(request, "satisfaction/survey_take.html", context, status=400 if form.errors else 200)


@tenant_required
@require_POST
def survey_send_link(request, order_id):
    """Text the customer their survey link (service text: consent and quiet hours by the outbox)."""
    from dms.messaging.services import message_queue

    tenant = request.tenant
    order = get_scoped(RepairOrder.objects.select_related("customer"), tenant, pk=order_id)
    _require_taker(tenant)
    survey = surveys.survey_default(tenant.store.group)
    url = request.build_absolute_uri(
        reverse("satisfaction:survey_link", args=[surveys.make_token(order.pk, survey.pk)])
    )
    text = _("%(name)s, how was your visit? Your answers help us improve: %(url)s") % {
        "name": order.customer.salutation, "url": url,
    }  # fmt: skip
    try:
        message = message_queue(
            store=tenant.store, customer=order.customer, channel="sms", purpose="service", kind="note",
            params={"text": text}, subject=order, idempotency_key=f"survey-link-{order.pk}-{survey.pk}", by=tenant.user,
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Survey link texted (%(state)s).") % {"state": message.get_state_display()}
        )
    return redirect("satisfaction:survey_take", order_id=order.pk)


# --- The customer's page --------------------------------------------------------------------------------


def customer_page(view):
    """No login; Chinese unless ?lang= asks otherwise; never cached, never indexed."""

    @wraps(view)
    def wrapper(request, token: str):
        lang = request.GET.get("lang")
        lang = lang if lang in LANGS else None
        with translation.override(lang or settings.LANGUAGE_CODE):
            response = view(request, token, lang)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


@customer_page
@require_http_methods(["GET", "HEAD", "POST"])
def survey_link(request, token: str, lang):
    read = surveys.read_token(token)
    if read is None:
        raise Http404()
    order = (
        RepairOrder.objects.select_related("store", "customer", "vehicle", "vehicle__brand", "advisor")
        .filter(pk=read[0])
        .first()
    )
    survey = Survey.objects.filter(pk=read[1]).first()
    if order is None or survey is None or survey.group_id != order.store.group_id:
        raise Http404()
    done = surveys.already_answered(survey, order)
    form = AnswersForm(request.POST if request.method == "POST" else None, survey=survey)
    thanks = False
    if request.method == "POST" and done is None and form.is_valid():
        try:
            surveys.survey_response_record(
                store=order.store, survey=survey, repair_order=order, channel="link", answers=form.answers()
            )
        except DomainError as exc:
            if exc.status == 409:
                thanks = True
            else:
                form.error_fields(exc)
        else:
            thanks = True
    context = {
        "order": order, "store": order.store, "survey": survey, "form": form, "done": done, "thanks": thanks,
        "lang_q": f"?lang={lang}" if lang else "",
    }  # fmt: skip
    with timezone.override(ZoneInfo(order.store.time_zone or settings.TIME_ZONE)):
        return render(request, "satisfaction/survey_link.html", context, status=400 if form.errors else 200)


# --- Scores and the questionnaire -----------------------------------------------------------------------


@tenant_required
def csi_report(request):
    tenant = request.tenant
    tenant.require(Perm.CSI_REPORT)
    try:
        months = max(1, min(24, int(request.GET.get("months", 6))))
    except ValueError:
        months = 6
    zone = ZoneInfo(tenant.store.time_zone or settings.TIME_ZONE)
    today = timezone.localdate(timezone=zone)
    first = today.replace(day=1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    since = datetime.combine(first, time.min, tzinfo=zone)
    stores = [tenant.store] + [s for s in tenant.stores if s.pk != tenant.store.pk]
    scores = surveys.csi_scores(stores, since=since, zone=zone)
    topics = dict(Topic.choices)
    for row in scores["topics"]:
        row["label"] = topics.get(row["question__topic"], row["question__topic"])
    context = {
        "scores": scores,
        "months": months,
        "since": first,
        "store": tenant.store,
        "choices": (1, 3, 6, 12),
    }
    return render(request, "satisfaction/csi.html", context)


@tenant_required
@require_http_methods(["GET", "POST"])
def questionnaire(request):
    """The group's questionnaire: add a question, change a text, remove one never answered."""
    tenant = request.tenant
    tenant.require(Perm.SURVEY_MANAGE)
    survey = surveys.survey_default(tenant.store.group)
    form = QuestionForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("remove"):
            q = Question.objects.filter(survey=survey, pk=_int(request.POST["remove"])).first()
            if q is None:
                raise Http404()
            try:
                surveys.question_remove(question=q)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Question removed."))
            return redirect("satisfaction:questionnaire")
        if request.POST.get("edit"):
            q = Question.objects.filter(survey=survey, pk=_int(request.POST["edit"])).first()
            if q is None:
                raise Http404()
            try:
                surveys.question_edit(
                    question=q, text=request.POST.get("text", ""),
                    complaint_category=request.POST.get("complaint_category"),  # absent: unchanged
                )  # fmt: skip
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Question changed."))
            return redirect("satisfaction:questionnaire")
        if form.is_valid():
            try:
                surveys.question_add(survey=survey, **form.cleaned_data)
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Question added."))
                return redirect("satisfaction:questionnaire")
    context = {
        "survey": survey, "questions": list(survey.questions.all()), "form": form,
        "categories": question_categories(),
    }  # fmt: skip
    return render(request, "satisfaction/questionnaire.html", context, status=400 if form.errors else 200)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
