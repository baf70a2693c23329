"""Complaint cases (投诉/抱怨) with their SLA, and CSI surveys (满意度调查).

A complaint, from a call, a low survey score, the counter or a web form, opens a case with an
owner and two deadlines taken from the SLA of its severity: acknowledge by, resolve by. A case
past a deadline is escalated by the worker to the store's service manager (tasks.py). The case's
steps are one table (workflow.py); each leaves a ComplaintEvent row and a core event.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dms.core.ids import OpaqueIdModel
from dms.core.models import DealerGroup, Store
from dms.core.scoping import GroupScopedQuerySet, StoreScopedQuerySet
from dms.customers.models import Customer


class Category(models.TextChoices):
    SERVICE_QUALITY = "service_quality", _("Repair quality")
    COMEBACK = "comeback", _("Same fault again (comeback)")
    WAITING = "waiting", _("Waiting time or late delivery")
    PRICE = "price", _("Price or invoice")
    ATTITUDE = "attitude", _("Staff attitude")
    COMMUNICATION = "communication", _("Not informed or explained")
    PARTS = "parts", _("Parts availability")
    DAMAGE = "damage", _("Damage or dirt on the car")
    FACILITY = "facility", _("Facilities and lounge")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Source(models.TextChoices):
    CALL = "call", _("Phone call")
    SURVEY = "survey", _("Survey score")
    COUNTER = "counter", _("At the counter")
    WEB = "web", _("Web form")
    OTHER = "other", _("Other")


class CaseState(models.TextChoices):
    OPEN = "open", pgettext_lazy("complaint case", "Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATES = (CaseState.OPEN, CaseState.ACKNOWLEDGED, CaseState.ESCALATED)


class ComplaintSla(models.Model):
    """How fast a case of a severity is acknowledged and resolved, per group or per store (a
    store's row wins over its group's; without either, DEFAULT_SLA in services.py)."""

    group = models.ForeignKey(DealerGroup, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    acknowledge_hours = models.PositiveIntegerField(_("acknowledge within (hours)"))
    resolve_hours = models.PositiveIntegerField(_("resolve within (hours)"))

    class Meta:
        verbose_name = _("complaint SLA")
        verbose_name_plural = _("complaint SLAs")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "severity"], condition=models.Q(store__isnull=True), name="sla_per_group"
            ),
            models.UniqueConstraint(fields=["store", "severity"], name="sla_per_store"),
            models.CheckConstraint(
                condition=models.Q(acknowledge_hours__gte=1) & models.Q(resolve_hours__gte=1),
                name="sla_hours_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.severity}: {self.acknowledge_hours}h / {self.resolve_hours}h"


class Complaint(OpaqueIdModel):
    event_name = "complaint"  # complaint.opened, complaint.escalated, … (dms.core.events)

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=30)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="complaints")
    repair_order = models.ForeignKey(
        "workshop.RepairOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    # The follow-up (dms.followups, a floor above) whose call raised it: an id, not a key.
    followup_id = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.CALL)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("what the customer said"))
    state = models.CharField(_("state"), max_length=15, choices=CaseState.choices, default=CaseState.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )  # fmt: skip
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    root_cause = models.TextField(_("root cause"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    customer_confirmation = models.TextField(_("how the customer confirmed"), blank=True)
    version = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint case")
        verbose_name_plural = _("complaint cases")
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="complaint_number_per_store")]
        indexes = [
            models.Index(fields=["store", "state", "resolve_by"], name="complaint_queue"),
            models.Index(fields=["owner", "state"], name="complaint_by_owner"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


# Why the worker escalated a case, by the deadline that passed (the step's data["sla"]): worded when
# read, in the reader's language, since the worker runs in whichever language it was started in.
LATE_REASONS = {
    "acknowledge": _("Not acknowledged in time."),
    "resolve": _("Not resolved in time."),
}


class ComplaintEvent(models.Model):
    """The case's timeline: who did what, when, from which state to which."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=15, blank=True)
    to_state = models.CharField(max_length=15)
    reason = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("complaint case event")
        verbose_name_plural = _("complaint case events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def late(self) -> str | None:
        """The deadline that passed ("acknowledge" or "resolve") when the worker escalated, else None."""
        data = self.data or {}
        return data.get("sla") if data.get("by_worker") and data.get("sla") in LATE_REASONS else None

    @property
    def reason_shown(self) -> str:
        """Why, as the reader reads it (the page's history and the API's events): the worker's
        escalation worded from its code in the active language (its stored reason is in the
        language the worker ran in); what a person typed, as typed."""
        late = self.late
        return str(LATE_REASONS[late]) if late else self.reason


# --- CSI surveys (满意度调查) ---------------------------------------------------------------------------


class Survey(models.Model):
    """A questionnaire of a dealer group. The group's active one is asked after a visit; the
    shipped default (services_survey.DEFAULT_QUESTIONS) asks neutrally and never suggests an answer."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-active", "pk"]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    SCORE = "score", _("Score 1–5")
    TEXT = "text", _("Text")


class Topic(models.TextChoices):
    OVERALL = "overall", _("Overall")
    ADVISOR = "advisor", _("Service advisor")
    QUALITY = "quality", _("Repair quality")
    TIMING = "timing", _("Timing")
    PRICE = "price", _("Price and explanation")
    FACILITY = "facility", _("Facilities")
    OTHER = "other", _("Other")


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SCORE
    )
    topic = models.CharField(_("topic"), max_length=10, choices=Topic.choices, default=Topic.OTHER)
    required = models.BooleanField(_("required"), default=False)
    # What a low score on this question says the complaint is about: when a low overall score opens
    # a case, the lowest-scored question carrying a category gives the case its category (else
    # "other"). Empty: nothing in particular (the overall question, text questions).
    complaint_category = models.CharField(
        _("complaint category of a low score"), max_length=20, choices=Category.choices, blank=True
    )
    # A shipped question keeps its English original: shown in the reader's language while its text
    # is the shipped one (a group that rewrites it gets its own words everywhere).
    shipped = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["position", "pk"]
        constraints = [
            # The overall score decides whether a complaint case opens: one per questionnaire.
            models.UniqueConstraint(
                fields=["survey"], condition=models.Q(topic="overall"), name="one_overall_question"
            ),
        ]

    def __str__(self) -> str:
        return self.shown

    @property
    def shown(self) -> str:
        from django.utils.translation import gettext

        return gettext(self.shipped) if self.shipped else self.text


class Channel(models.TextChoices):
    CALL = "call", _("Phone call")
    LINK = "link", _("Link (customer)")


class SurveyResponse(models.Model):
    """One customer's answers about one repair order. The overall score and who served the car
    are kept on the row, so that the CSI report is one grouped query."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    repair_order = models.ForeignKey("workshop.RepairOrder", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    technician = models.ForeignKey(
        "scheduling.Technician", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overall = models.PositiveSmallIntegerField(_("overall score"), null=True, blank=True)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["survey", "repair_order"], name="one_response_per_order"),
            models.CheckConstraint(
                condition=models.Q(overall__isnull=True) | models.Q(overall__gte=1, overall__lte=5),
                name="overall_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["store", "at"], name="csi_by_store_time")]

    def __str__(self) -> str:
        return f"{self.repair_order_id} {self.overall}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.score or self.text[:20]}"
