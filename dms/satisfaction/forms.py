"""Forms of the complaint pages; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Severity, Source
from .surveys import QUESTION_CATEGORIES


class CaseForm(forms.Form):
    """A new case, at the counter or from a call: the customer is chosen before."""

    repair_order = forms.TypedChoiceField(
        label=_("Repair order complained about"), required=False, coerce=int, empty_value=None
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM, widget=forms.RadioSelect,
        help_text=_("High: safety, money or a customer who threatens to leave or go public."),
    )  # fmt: skip
    source = forms.ChoiceField(label=_("How it came in"), choices=Source.choices, initial=Source.COUNTER)
    description = forms.CharField(
        label=_("What the customer said"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In the customer's own words."),
    )  # fmt: skip

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repair_order"].choices = [("", _("— none —"))] + [
            (o.pk, f"{o.number} · {o.opened_at:%Y-%m-%d} · {o.vehicle.plate or o.vehicle.model}")
            for o in orders
        ]


class ResolveForm(forms.Form):
    root_cause = forms.CharField(
        label=_("Root cause"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why it happened, so that it does not happen again."),
    )  # fmt: skip
    resolution = forms.CharField(
        label=_("Resolution"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done for the customer."),
    )  # fmt: skip


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)


SCORES = [
    ("5", _("5 · very satisfied")),
    ("4", _("4 · satisfied")),
    ("3", _("3 · neutral")),
    ("2", _("2 · dissatisfied")),
    ("1", _("1 · very dissatisfied")),
]


class AnswersForm(forms.Form):
    """One field per question of a questionnaire: q<id>, a score 1–5 or a text."""

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(survey.questions.all())
        for q in self.questions:
            if q.kind == "score":
                self.fields[f"q{q.pk}"] = forms.ChoiceField(
                    label=q.shown, choices=SCORES, required=q.required, widget=forms.RadioSelect
                )
            else:
                self.fields[f"q{q.pk}"] = forms.CharField(
                    label=q.text,
                    required=q.required,
                    max_length=1000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def answers(self) -> list[dict]:
        out = []
        for q in self.questions:
            value = self.cleaned_data.get(f"q{q.pk}")
            if not value:
                continue
            out.append({"question_id": q.pk, "score": int(value)} if q.kind == "score" else
                       {"question_id": q.pk, "text": value})  # fmt: skip
        return out

    def error_fields(self, exc) -> None:
        """A service's errors on answers.<i>.* shown on the question's field."""
        for err in exc.errors or [{"field": None, "message": exc.message}]:
            name, target = err.get("field") or "", None
            parts = name.split(".")
            if len(parts) >= 2 and parts[0] == "answers" and parts[1].isdigit():
                answered = self.answers()
                i = int(parts[1])
                if i < len(answered):
                    target = f"q{answered[i]['question_id']}"
            self.add_error(target, str(err["message"]))


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    kind = forms.ChoiceField(label=_("Answer"), choices=[("score", _("Score 1–5")), ("text", _("Text"))])
    topic = forms.ChoiceField(label=_("Topic"), choices=[])
    complaint_category = forms.ChoiceField(
        label=_("A low score is a complaint about"), required=False, choices=[],
        help_text=_("When a low overall score opens a complaint case, the lowest-scored question gives its category."),
    )  # fmt: skip
    required = forms.BooleanField(label=_("Required"), required=False)

    def __init__(self, *args, **kwargs):
        from .models import Topic

        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [c for c in Topic.choices if c[0] != "overall"]
        self.fields["complaint_category"].choices = [("", _("As its topic suggests"))] + question_categories()


def question_categories() -> list[tuple[str, str]]:
    """The complaint categories a question may imply (not "other": what a case is when none does)."""
    return [(value, label) for value, label in Category.choices if value in QUESTION_CATEGORIES]
