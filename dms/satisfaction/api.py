"""/api/v1/complaints (cases with their SLA), /api/v1/surveys and /api/v1/survey-responses.

The app's API routers: (prefix, router) pairs, mounted by config.api under /api/v1."""

from datetime import datetime
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dms.core.errors import DomainError, Forbidden
from dms.core.roles import Perm
from dms.core.tenancy import get_scoped
from dms.core.validation import PAGE_OFFSET_MAX, choices_of
from dms.customers.models import Customer
from dms.workshop.models import RepairOrder

from . import selectors, services, surveys
from .models import (
    CaseState,
    Category,
    Channel,
    Complaint,
    QuestionKind,
    Severity,
    Source,
    Survey,
    SurveyResponse,
    Topic,
)
from .workflow import ACTIONS, CASE

router = Router(tags=["complaints"])


class ComplaintOut(Schema):
    id: int
    number: str
    store: str
    state: choices_of(CaseState)
    category: choices_of(Category)
    severity: choices_of(Severity)
    source: choices_of(Source)
    customer_id: int
    customer_name: str
    repair_order_id: int | None
    repair_order_number: str | None
    followup_id: int | None = Field(description="The follow-up call that raised it, if any.")
    owner: str | None = Field(description="Who works the case now (name).")
    owner_id: int | None
    description: str
    acknowledge_by: datetime = Field(description="The SLA's deadline to acknowledge the customer.")
    resolve_by: datetime = Field(description="The SLA's deadline to resolve the case.")
    overdue: bool = Field(description="Open and past a deadline.")
    root_cause: str
    resolution: str
    customer_confirmation: str = Field(description="How the customer confirmed the resolution (close).")
    opened_at: datetime
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int
    allowed_actions: list[str] = Field(description="Actions your role may take now.")


class ComplaintPage(Schema):
    count: int
    items: list[ComplaintOut]


def complaint_out(c: Complaint, tenant, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "id": c.pk, "number": c.number, "store": tenant.store.code, "state": c.state, "category": c.category,
        "severity": c.severity, "source": c.source, "customer_id": c.customer_id, "customer_name": c.customer.name,
        "repair_order_id": c.repair_order_id,
        "repair_order_number": c.repair_order.number if c.repair_order_id else None,
        "followup_id": c.followup_id, "owner": str(c.owner) if c.owner_id else None, "owner_id": c.owner_id,
        "description": c.description, "acknowledge_by": c.acknowledge_by, "resolve_by": c.resolve_by,
        "overdue": overdue(c, now), "root_cause": c.root_cause, "resolution": c.resolution,
        "customer_confirmation": c.customer_confirmation, "opened_at": c.opened_at,
        "acknowledged_at": c.acknowledged_at, "escalated_at": c.escalated_at, "resolved_at": c.resolved_at,
        "closed_at": c.closed_at, "version": c.version, "allowed_actions": CASE.allowed_actions(c, tenant, now=now),
    }  # fmt: skip


def overdue(c: Complaint, now: datetime) -> bool:
    return c.is_open and (c.resolve_by < now or (c.state == CaseState.OPEN and c.acknowledge_by < now))


class ComplaintIn(Schema):
    customer_id: int
    repair_order_id: int | None = Field(None, description="The repair order complained about.")
    category: choices_of(Category)
    severity: choices_of(Severity)
    description: str = Field(max_length=services.DESCRIPTION_MAX, description="What the customer said.")
    source: choices_of(Source) = Field("call", description="How the complaint came in.")


@router.post("", response={201: ComplaintOut})
def complaint_create(request, payload: ComplaintIn):
    """Open a case. Its owner is you (or the store's care agent); its deadlines come from the SLA
    of its severity (the store's, else the group's, else the defaults)."""
    t = request.auth
    t.require(Perm.COMPLAINT_WORK)
    customer = get_scoped(Customer.objects, t, pk=payload.customer_id)
    order = None
    if payload.repair_order_id is not None:
        order = get_scoped(RepairOrder.objects, t, pk=payload.repair_order_id)
    case = services.complaint_open(
        store=t.store, customer=customer, category=payload.category, severity=payload.severity,
        description=payload.description, actor=t.user, repair_order=order, source=payload.source,
    )  # fmt: skip
    return Status(201, complaint_out(services.get_case(t, case.pk), t))


class ComplaintListParams(Schema):
    state: str = Field("", description="Comma-separated: open, acknowledged, escalated, resolved, closed.")
    owner: str = Field("", description="me: only the cases you own.")
    customer_id: int | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("", response=ComplaintPage)
def complaint_list(request, params: Query[ComplaintListParams]):
    """The store's cases: open ones first (escalated, then the nearest deadline), then the others."""
    t = request.auth
    t.require(Perm.COMPLAINT_WORK)
    states = [s for s in params.state.split(",") if s]
    if any(s not in CaseState.values for s in states):
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(CaseState.values)}, field="state")
    if params.owner not in ("", "me"):
        raise DomainError(_("Leave it empty or write “me”."), field="owner")
    count, items = selectors.case_list(
        t, states=states, owner=t.user if params.owner == "me" else None, customer_id=params.customer_id,
        limit=params.limit, offset=params.offset,
    )  # fmt: skip
    now = timezone.now()
    return {"count": count, "items": [complaint_out(c, t, now) for c in items]}


@router.get("/{complaint_id}", response=ComplaintOut)
def complaint_detail(request, complaint_id: int):
    t = request.auth
    case = services.get_case(t, complaint_id)
    t.require(Perm.COMPLAINT_WORK)
    return complaint_out(case, t)


class ComplaintActionIn(Schema):
    version: int | None = Field(None, description="The version you read; stale answers 409.")
    root_cause: str = Field("", max_length=services.TEXT_MAX, description="resolve: what caused it")
    resolution: str = Field("", max_length=services.TEXT_MAX, description="resolve: what was done")
    reason: str = Field(
        "",
        max_length=300,
        description="close: how the customer confirmed; reopen: why; escalate: why (optional)",
    )


@router.post("/{complaint_id}/actions/{action}", response=ComplaintOut)
def complaint_action(
    request, complaint_id: int, action: choices_of(ACTIONS), payload: ComplaintActionIn | None = None
):
    """Take one step: acknowledge, escalate (to the service manager), resolve (root cause and
    resolution), close (the customer confirmed), reopen. Only the owner or a manager works a case.
    A step not allowed now answers 409 with the state and the allowed actions."""
    t = request.auth
    data = payload.dict() if payload is not None else {}
    services.complaint_act(tenant=t, complaint_id=complaint_id, action=action, **data)
    return complaint_out(services.get_case(t, complaint_id), t)


class ComplaintOwnerIn(Schema):
    user_id: int = Field(description="The new owner: a user of this store who works complaints.")
    version: int | None = Field(None, description="The version you read; stale answers 409.")


@router.put("/{complaint_id}/owner", response=ComplaintOut)
def complaint_owner(request, complaint_id: int, payload: ComplaintOwnerIn):
    """Hand an open case to someone else (managers)."""
    t = request.auth
    services.complaint_assign(
        tenant=t, complaint_id=complaint_id, owner_id=payload.user_id, version=payload.version
    )
    return complaint_out(services.get_case(t, complaint_id), t)


class CaseEventOut(Schema):
    at: datetime
    by: str | None
    action: str
    from_state: str
    to_state: str
    reason: str = Field(
        description="Why: as typed by the person who took the step; the worker's escalation in the "
        "request's language."
    )
    late: Literal["acknowledge", "resolve"] | None = Field(
        description="The worker's escalation: the deadline that passed (else null)."
    )


@router.get("/{complaint_id}/events", response=list[CaseEventOut])
def complaint_events(request, complaint_id: int):
    """The case's timeline: who, when, from, to, why (the worker's escalations have no one)."""
    t = request.auth
    case = services.get_case(t, complaint_id)
    t.require(Perm.COMPLAINT_WORK)
    return [
        {"at": e.at, "by": str(e.by) if e.by_id else None, "action": e.action, "from_state": e.from_state,
         "to_state": e.to_state, "reason": e.reason_shown, "late": e.late}
        for e in case.history.select_related("by")
    ]  # fmt: skip


# --- CSI surveys ------------------------------------------------------------------------------------------

survey_router = Router(tags=["surveys"])
response_router = Router(tags=["surveys"])


def may_take_surveys(t) -> bool:
    return t.can(Perm.FOLLOWUP_WORK) or t.can(Perm.COMPLAINT_WORK)


def _require_survey_taker(t) -> None:
    if not may_take_surveys(t):
        raise Forbidden(_("Your role does not allow this."))


class SurveyQuestionOut(Schema):
    id: int
    position: int
    text: str
    kind: choices_of(QuestionKind) = Field(description="score: 1 (very dissatisfied) to 5; text: free text")
    topic: choices_of(Topic) = Field(description="overall: a score of 1 or 2 opens a complaint case")
    complaint_category: choices_of(Category, blank=True) = Field(
        description="What a low score on it says a complaint is about: a case opened by a low overall "
        "score takes the category of the lowest-scored question (3 or less) carrying one, else other."
    )
    required: bool


class SurveyOut(Schema):
    id: int
    name: str
    active: bool
    questions: list[SurveyQuestionOut]


class SurveyPage(Schema):
    count: int
    items: list[SurveyOut]


def survey_out(s: Survey) -> dict:
    return {
        "id": s.pk, "name": s.name, "active": s.active,
        "questions": [
            {"id": q.pk, "position": q.position, "text": q.shown, "kind": q.kind, "topic": q.topic,
             "complaint_category": q.complaint_category, "required": q.required}
            for q in s.questions.all()
        ],
    }  # fmt: skip


@survey_router.get("", response=SurveyPage)
def survey_list(request):
    """The group's questionnaires, the one in use first (the shipped one is created the first time)."""
    t = request.auth
    _require_survey_taker(t)
    surveys.survey_default(t.store.group)
    items = list(Survey.objects.for_tenant(t).prefetch_related("questions"))
    return {"count": len(items), "items": [survey_out(s) for s in items]}


class SurveyAnswerIn(Schema):
    question_id: int
    score: int | None = Field(None, ge=1, le=5, description="For a score question: 1 to 5.")
    text: str = Field("", max_length=surveys.TEXT_MAX, description="For a text question.")


class SurveyResponseIn(Schema):
    survey_id: int
    repair_order_id: int
    channel: choices_of(Channel) = Field(description="call: taken by an agent; link: the customer's own page")
    answers: list[SurveyAnswerIn] = Field(max_length=50)


class SurveyAnswerOut(Schema):
    question_id: int
    score: int | None
    text: str


class SurveyResponseOut(Schema):
    id: int
    store: str
    survey_id: int
    repair_order_id: int
    customer_id: int
    channel: choices_of(Channel)
    overall: int | None = Field(description="The overall question's score.")
    complaint_id: int | None = Field(description="The complaint case a low overall score opened.")
    at: datetime
    answers: list[SurveyAnswerOut]


def response_out(r: SurveyResponse, tenant) -> dict:
    return {
        "id": r.pk, "store": tenant.store.code, "survey_id": r.survey_id, "repair_order_id": r.repair_order_id,
        "customer_id": r.customer_id, "channel": r.channel, "overall": r.overall, "complaint_id": r.complaint_id,
        "at": r.at,
        "answers": [{"question_id": a.question_id, "score": a.score, "text": a.text} for a in r.answers.all()],
    }  # fmt: skip


@response_router.post("", response={201: SurveyResponseOut})
def survey_response_create(request, payload: SurveyResponseIn):
    """Record a customer's answers about a visit (settled or delivered), once per order and
    questionnaire (again: 409). An overall score of 1 or 2 opens a complaint case
    (`complaint_id`), owned by you."""
    t = request.auth
    _require_survey_taker(t)
    survey = get_scoped(Survey.objects, t, pk=payload.survey_id)
    order = get_scoped(RepairOrder.objects.select_related("customer"), t, pk=payload.repair_order_id)
    response = surveys.survey_response_record(
        store=t.store, survey=survey, repair_order=order, channel=payload.channel,
        answers=[a.dict() for a in payload.answers], taken_by=t.user if payload.channel == "call" else None,
    )  # fmt: skip
    return Status(201, response_out(response, t))


class SurveyResponseParams(Schema):
    repair_order_id: int | None = None
    customer_id: int | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


class SurveyResponsePage(Schema):
    count: int
    items: list[SurveyResponseOut]


@response_router.get("", response=SurveyResponsePage)
def survey_response_list(request, params: Query[SurveyResponseParams]):
    """The store's survey answers, newest first."""
    t = request.auth
    _require_survey_taker(t)
    qs = SurveyResponse.objects.for_tenant(t)
    if params.repair_order_id is not None:
        qs = qs.filter(repair_order_id=params.repair_order_id)
    if params.customer_id is not None:
        qs = qs.filter(customer_id=params.customer_id)
    count = qs.count()
    items = qs.prefetch_related("answers").order_by("-at", "-pk")[
        params.offset : params.offset + params.limit
    ]
    return {"count": count, "items": [response_out(r, t) for r in items]}


ROUTERS: list = [("/complaints", router), ("/surveys", survey_router), ("/survey-responses", response_router)]
