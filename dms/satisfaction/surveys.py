"""CSI surveys (满意度调查): the group's questionnaire, the answers of one customer about one visit,
the signed link that lets the customer answer on their phone, and the scores.

The shipped questionnaire asks neutrally, with the scale explained the same way every time; it
never tells the customer which answer the store hopes for (seed 003's scripts ask customers to say
"very satisfied": this product measures satisfaction honestly). A low overall score (1 or 2)
opens a complaint case (source "survey"): 1 is high severity, 2 medium. Its category is the one
the lowest-scored question implies (Question.complaint_category: the shipped questions carry their
topic's usual one, a manager sets or clears it per question), "other" when none does.
"""

from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Avg, Case, Count, Min, Q, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dms.core.errors import Conflict, DomainError
from dms.core.events import publish
from dms.core.models import DealerGroup, Store
from dms.core.validation import invalid

from .models import Answer, Category, Question, QuestionKind, Survey, SurveyResponse, Topic
from .services import complaint_open

# The shipped questionnaire: (text, kind, topic, required). Neutral wording, the same scale each time.
# Marked for translation, translated when shown (Question.shown) or written (in Chinese).
DEFAULT_QUESTIONS = [
    (gettext_noop("Overall, how satisfied are you with this visit to our workshop? (1 = very dissatisfied, "
                  "5 = very satisfied)"), QuestionKind.SCORE, Topic.OVERALL, True),
    (gettext_noop("How would you rate the way your service advisor received you and explained the work? (1–5)"),
     QuestionKind.SCORE, Topic.ADVISOR, False),
    (gettext_noop("How would you rate the quality of the work done on your car? (1–5)"),
     QuestionKind.SCORE, Topic.QUALITY, False),
    (gettext_noop("How would you rate the completion time compared with what you were told? (1–5)"),
     QuestionKind.SCORE, Topic.TIMING, False),
    (gettext_noop("How would you rate how clearly the charges were explained? (1–5)"),
     QuestionKind.SCORE, Topic.PRICE, False),
    (gettext_noop("Is there anything we should do differently next time? (optional)"),
     QuestionKind.TEXT, Topic.OTHER, False),
]  # fmt: skip
DEFAULT_NAME = gettext_noop("After-service survey")
LOW_SCORES = (1, 2)  # an overall score that opens a complaint case
TEXT_MAX = 1000
# The complaint category a low score on a question of a topic usually implies: what the shipped
# score questions carry, and a score question added without a category of its own (migration 0004
# gave the groups' existing questions the same).
CATEGORY_OF_TOPIC = {
    Topic.ADVISOR: Category.ATTITUDE, Topic.QUALITY: Category.SERVICE_QUALITY, Topic.TIMING: Category.WAITING,
    Topic.PRICE: Category.PRICE, Topic.FACILITY: Category.FACILITY,
}  # fmt: skip
# What a question may say a complaint is about ("other" is what a case is when none says anything).
QUESTION_CATEGORIES = tuple(c for c in Category.values if c != Category.OTHER)
ATTRIBUTED_MAX = 3  # a question scored this or lower may say what a low overall score is about
ANSWERABLE_STATES = ("settled", "delivered")  # a visit is asked about once the car is paid for or handed back


def survey_default(group: DealerGroup) -> Survey:
    """The group's questionnaire in use, the shipped one created (in Chinese) the first time."""
    survey = Survey.objects.filter(group=group, active=True).order_by("pk").first()
    if survey is not None:
        return survey
    with transaction.atomic(), translation.override("zh-hans"):
        survey = Survey.objects.create(group=group, name=_(DEFAULT_NAME))
        Question.objects.bulk_create(
            Question(
                survey=survey,
                position=i,
                text=_(text),
                kind=kind,
                topic=topic,
                required=required,
                complaint_category=default_category(kind, topic),
                shipped=text,
            )
            for i, (text, kind, topic, required) in enumerate(DEFAULT_QUESTIONS, start=1)
        )
    return survey


def default_category(kind: str, topic: str) -> str:
    """The complaint category a question of this kind and topic carries unless told otherwise."""
    return CATEGORY_OF_TOPIC.get(topic, "") if kind == QuestionKind.SCORE else ""


def _clean_answers(survey: Survey, answers: list[dict]) -> dict[int, dict]:
    questions = {q.pk: q for q in survey.questions.all()}
    errors, cleaned = [], {}
    for i, a in enumerate(answers):
        qid, score, text = a.get("question_id"), a.get("score"), (a.get("text") or "").strip()
        q = questions.get(qid)
        where = f"answers.{i}"
        if q is None:
            errors.append(
                {"field": f"{where}.question_id", "message": _("This question is not in the questionnaire.")}
            )
            continue
        if qid in cleaned:
            errors.append({"field": f"{where}.question_id", "message": _("This question is answered twice.")})
            continue
        if q.kind == QuestionKind.SCORE:
            if score is None and not text:
                continue  # left out
            if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
                errors.append({"field": f"{where}.score", "message": _("Give a score from 1 to 5.")})
                continue
        elif score is not None:
            errors.append(
                {"field": f"{where}.score", "message": _("This question takes a text, not a score.")}
            )
            continue
        if len(text) > TEXT_MAX:
            errors.append(
                {"field": f"{where}.text", "message": _("Keep it under %(n)d characters.") % {"n": TEXT_MAX}}
            )
            continue
        if q.kind == QuestionKind.TEXT and not text:
            continue
        cleaned[qid] = {"question": q, "score": score if q.kind == QuestionKind.SCORE else None, "text": text}
    for q in questions.values():
        if q.required and q.pk not in cleaned and not any(e["field"].startswith("answers") for e in errors):
            errors.append({"field": "answers", "message": _("Answer the question “%(q)s”.") % {"q": q.shown}})
    if errors:
        raise invalid(errors)
    return cleaned


def _complaint_text(cleaned: dict[int, dict], overall: int) -> str:
    lines = [_("Survey: overall score %(n)d of 5.") % {"n": overall}]
    for a in cleaned.values():
        q = a["question"]
        if q.topic == Topic.OVERALL:
            continue
        if a["score"] is not None:
            lines.append(_("%(topic)s: %(n)d/5") % {"topic": q.get_topic_display(), "n": a["score"]})
        elif a["text"]:
            lines.append(_("The customer wrote: %(t)s") % {"t": a["text"]})
    return "\n".join(lines)


def _category(cleaned: dict[int, dict]) -> str:
    """What a low overall score is about: the complaint category of the lowest-scored question that
    carries one, when scored ATTRIBUTED_MAX or lower (the earlier question on a tie); else other."""
    scored = [
        a for a in cleaned.values()
        if a["score"] is not None and a["score"] <= ATTRIBUTED_MAX and a["question"].complaint_category
    ]  # fmt: skip
    if not scored:
        return Category.OTHER
    lowest = min(scored, key=lambda a: (a["score"], a["question"].position, a["question"].pk))
    return lowest["question"].complaint_category


def survey_response_record(
    *, store: Store, survey: Survey, repair_order, channel: str, answers: list[dict], taken_by=None,
    now: datetime | None = None,
) -> SurveyResponse:  # fmt: skip
    """Record one customer's answers about one visit (once per order and questionnaire: again is
    409). A low overall score opens a complaint case owned by whoever took the call (else the
    store's care agent). Publishes survey_response.recorded."""
    if survey.group_id != store.group_id or repair_order.store_id != store.pk:
        raise DomainError(_("This questionnaire or order is not the store's."), field="survey_id")
    if not survey.active:
        raise DomainError(_("This questionnaire is no longer in use."), field="survey_id")
    if channel not in ("call", "link"):
        raise DomainError(_("Choose one of: call, link."), field="channel")
    if repair_order.state not in ANSWERABLE_STATES:
        raise DomainError(
            _("Ask about a visit once the car is settled or delivered."), field="repair_order_id"
        )
    cleaned = _clean_answers(survey, answers)
    overall = next((a["score"] for a in cleaned.values() if a["question"].topic == Topic.OVERALL), None)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                store=store, survey=survey, repair_order=repair_order, customer_id=repair_order.customer_id,
                advisor_id=repair_order.advisor_id, technician_id=repair_order.technician_id, channel=channel,
                taken_by=taken_by if taken_by is not None and taken_by.pk else None, overall=overall, at=now,
            )  # fmt: skip
            Answer.objects.bulk_create(
                Answer(response=response, question=a["question"], score=a["score"], text=a["text"])
                for a in cleaned.values()
            )
            if overall in LOW_SCORES:
                case = complaint_open(
                    store=store, customer=repair_order.customer, category=_category(cleaned),
                    severity="high" if overall == 1 else "medium", description=_complaint_text(cleaned, overall),
                    actor=response.taken_by, repair_order=repair_order, source="survey", now=now,
                )  # fmt: skip
                response.complaint = case
                response.save(update_fields=["complaint"])
            publish(
                type="survey_response.recorded", store=store, subject=response, actor=response.taken_by, at=now,
                payload={
                    "survey_id": survey.pk, "repair_order_id": repair_order.pk, "channel": channel,
                    "overall": overall, "complaint_id": response.complaint_id,
                },
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("This visit's survey has already been answered."), field="repair_order_id") from None
    return response


def already_answered(survey: Survey, repair_order) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(survey=survey, repair_order=repair_order).first()


# --- The customer's signed link ------------------------------------------------------------------------

LINK_MAX_AGE = timedelta(days=14)
_SALT = "dms.satisfaction.survey"


def make_token(order_id: int, survey_id: int) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{order_id:x}.{survey_id:x}")


def read_token(token: str) -> tuple[int, int] | None:
    """(order id, survey id) of a link that is genuine and not expired, else None."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=LINK_MAX_AGE)
        order, survey = value.split(".")
        return int(order, 16), int(survey, 16)
    except (signing.BadSignature, ValueError):
        return None


# --- Scores (set-based: one grouped query per table) -----------------------------------------------------


def _score_columns():
    return {
        "n": Count("pk", filter=Q(overall__isnull=False)),
        "avg": Avg("overall"),
        "low": Count("pk", filter=Q(overall__lte=2)),
        "top": Count("pk", filter=Q(overall=5)),
    }


# The per-topic table reads as the questionnaire does: the overall score, then the topics in the
# order their first question is asked.
_OVERALL_FIRST = Case(When(question__topic=Topic.OVERALL, then=Value(0)), default=Value(1))


def csi_scores(stores, *, since: datetime, zone) -> dict[str, list[dict]]:
    """The overall score's responses, average, low (1–2) and top (5) counts since `since`, per
    store, per store and month, per advisor and per technician (of the first store); the average
    of each question topic (of the first store), overall first, then in the questionnaire's order."""
    base = SurveyResponse.objects.filter(store__in=stores, at__gte=since)
    month = TruncMonth("at", tzinfo=zone)
    cols = _score_columns()
    return {
        "stores": list(base.values("store__code", "store__name").annotate(**cols).order_by("store__code")),
        "months": list(
            base.annotate(month=month).values("month", "store__code").annotate(**cols).order_by("-month", "store__code")
        ),
        "advisors": list(
            base.filter(store=stores[0]).values("advisor_id", "advisor__display_name", "advisor__username")
            .annotate(**cols).order_by("avg", "advisor__username")
        ),
        "technicians": list(
            base.filter(store=stores[0], technician__isnull=False).values("technician_id", "technician__user__display_name", "technician__user__username")
            .annotate(**cols).order_by("avg", "technician__user__username")
        ),
        "topics": list(
            Answer.objects.filter(response__in=base.filter(store=stores[0]), score__isnull=False)
            .values("question__topic").annotate(n=Count("pk"), avg=Avg("score"), first=Min("question__position"))
            .order_by(_OVERALL_FIRST, "first", "question__topic")
        ),
    }  # fmt: skip


# --- Changing the questionnaire ------------------------------------------------------------------------

COACHING_WORDS = (
    "非常满意好吗",
    "请您回答",
    "请给满分",
    "请打满分",
    "好评",
    "please answer",
    "please rate us 5",
)


def _check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the question."), field="text")
    if len(text) > 300:
        raise DomainError(_("Keep the question under 300 characters."), field="text")
    if any(w in text.lower() for w in COACHING_WORDS):
        raise DomainError(
            _("Ask neutrally: a question must not tell the customer which answer to give."), field="text"
        )
    return text


def _check_category(category: str, *, kind: str, topic: str) -> str:
    if not category:
        return ""
    if category not in QUESTION_CATEGORIES:
        raise DomainError(_("Choose a complaint category from the list."), field="complaint_category")
    if kind != QuestionKind.SCORE or topic == Topic.OVERALL:
        raise DomainError(
            _("Only a score question other than the overall one says what a complaint is about."),
            field="complaint_category",
        )
    return category


def question_add(
    *, survey: Survey, text: str, kind: str, topic: str, required: bool = False, complaint_category: str = ""
) -> Question:  # fmt: skip
    """A question at the end of the questionnaire. Without a complaint category, a score question
    carries its topic's usual one (CATEGORY_OF_TOPIC)."""
    text = _check_text(text)
    if kind not in QuestionKind.values:
        raise DomainError(_("Choose score or text."), field="kind")
    if topic not in Topic.values or topic == Topic.OVERALL:
        raise DomainError(_("Choose a topic from the list."), field="topic")
    category = _check_category(complaint_category, kind=kind, topic=topic) or default_category(kind, topic)
    last = survey.questions.order_by("-position").values_list("position", flat=True).first() or 0
    return Question.objects.create(
        survey=survey, position=last + 1, text=text, kind=kind, topic=topic, required=required,
        complaint_category=category,
    )  # fmt: skip


def question_edit(*, question: Question, text: str, complaint_category: str | None = None) -> Question:
    """Reword a question (a shipped one then keeps the group's words); set or clear the complaint
    category a low score on it implies (None: unchanged)."""
    text = _check_text(text)
    fields = []
    if text != question.text:
        question.text, question.shipped = text, ""
        fields += ["text", "shipped"]
    if complaint_category is not None:
        category = _check_category(complaint_category, kind=question.kind, topic=question.topic)
        if category != question.complaint_category:
            question.complaint_category = category
            fields.append("complaint_category")
    if fields:
        question.save(update_fields=fields)
    return question


def question_remove(*, question: Question) -> None:
    if question.topic == Topic.OVERALL:
        raise DomainError(_("The overall question stays: its score opens complaint cases."), field="question")
    if Answer.objects.filter(question=question).exists():
        raise DomainError(
            _("This question has answers: change its text instead of removing it."), field="question"
        )
    question.delete()
