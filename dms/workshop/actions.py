"""One action adapter: every way of taking a step of the repair order — the API's
POST /repair-orders/{id}/actions/{action}, the order page's buttons, the floor's boards — comes
through `take`, which reads the step's input with the same checks wherever it came from and calls
the step's service (which locks, checks state, version and permission through the workflow).

Each step names its inputs once (STEPS). A value is read as the API's JSON sends it or as a page
posts it (text): "3" is a whole number like 3, "yes"/"no" a flag like true/false. A value of the
wrong shape is refused with a sentence on its field (DomainError, 400); what the value means
(the technician's skills, the amounts paid, the mileage out) is the service's to judge.
A page turns its own field names into these inputs with `from_post` (the approval's
decision_<line id> selects, the settlement's one payment).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dms.core.errors import DomainError
from dms.core.tenancy import Tenant
from dms.core.validation import invalid

from . import comebacks, selectors, services, services_floor, workflow
from .models import RepairOrder

# --- Reading one value ------------------------------------------------------------------------------


def whole_number(value, name):
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise DomainError(_("Enter a whole number."), field=name)


def flag(value, name):
    """true/false, or a page's yes/no; anything else is left for the service to refuse."""
    if isinstance(value, str):
        return {"yes": True, "true": True, "on": True, "no": False, "false": False}.get(
            value.strip().lower(), value
        )
    return value


def text(limit: int) -> Callable:
    def read(value, name):
        if value is None:
            return ""
        if not isinstance(value, str):
            raise DomainError(_("Enter text."), field=name)
        if len(value) > limit:
            raise DomainError(_("At most %(n)s characters.") % {"n": limit}, field=name)
        return value

    return read


def mapping(value, name):
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DomainError(_("Send a JSON object."), field=name)
    return {str(k): v for k, v in value.items()}


def payments(value, name):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(p, Mapping) for p in value):
        raise DomainError(_("Send a list of payments, each with its method and amount."), field=name)
    return [dict(p) for p in value]


@dataclass(frozen=True)
class Input:
    name: str
    read: Callable
    default: object = None
    required: object = None  # the sentence asking for it (lazy: in the user's language)


@dataclass(frozen=True)
class Step:
    service: Callable
    inputs: tuple[Input, ...] = field(default_factory=tuple)


_REASON = Input("reason", text(300), "")
STEPS: dict[str, Step] = {
    "sign": Step(services.order_sign),
    "dispatch": Step(services.order_dispatch, (Input("technician_id", whole_number, required=gettext_lazy("Choose the technician.")),)),
    "start": Step(services.order_start),
    "request-approval": Step(services.order_request_approval),
    "approve": Step(services.order_approve, (Input("method", text(20), ""), Input("note", text(300), ""),
                                              Input("decisions", mapping, {}))),
    "finish": Step(services_floor.job_finish),  # and the clocks running on the job stop
    "qc-pass": Step(services.order_qc_pass, (Input("checklist", mapping, {}),)),
    "qc-fail": Step(services.order_qc_fail, (_REASON,)),
    "settle": Step(services.order_settle, (Input("payments", payments, []), Input("certificate_number", text(30), ""))),
    "deliver": Step(services.order_deliver, (
        Input("mileage_out", whole_number), Input("old_parts_returned", flag), Input("followup_consent", flag, True),
        Input("followup_channel", text(20), "phone"), Input("followup_time", text(20), "any"),
    )),
    "cancel": Step(services.order_cancel, (_REASON,)),
    "confirm-comeback": Step(comebacks.confirm, (_REASON, Input("original_order_id", whole_number))),
    "overrule-comeback": Step(comebacks.overrule, (_REASON,)),
}  # fmt: skip
assert set(STEPS) == set(workflow.TRANSITIONS), "every step of the workflow takes its input here"


def read_input(action: str, data: Mapping) -> dict:
    """The step's keyword arguments from `data`, every field's problem at once."""
    errors: list[dict] = []
    kwargs = {}
    for spec in STEPS[action].inputs:
        raw = data.get(spec.name)
        try:
            value = spec.default if raw is None else spec.read(raw, spec.name)
        except DomainError as exc:
            errors.extend(exc.errors)
            continue
        if value is None and spec.required:
            errors.append({"field": spec.name, "message": spec.required})
        kwargs[spec.name] = value
    if errors:
        raise invalid(errors)
    return kwargs


def take(*, tenant: Tenant, order_id: int, action: str, data: Mapping | None = None) -> RepairOrder:
    """Take `action` on the order with its input `data` (and `version`, the one the client read).
    An action that is no step of the order answers 409 with the steps possible now."""
    data = data or {}
    if action not in STEPS:
        raise workflow.not_allowed(selectors.order_get(tenant, order_id), action)
    version = whole_number(data.get("version"), "version")
    kwargs = read_input(action, data)
    return STEPS[action].service(tenant=tenant, order_id=order_id, version=version, **kwargs)


def from_post(action: str, post) -> dict:
    """A page's form as the step's input: the same names, plus the approval's decision_<line id>
    selects as `decisions` and the settlement's method and amount as its one payment (none when the
    form has neither: nothing to pay)."""
    if action not in STEPS:
        return {}
    data = {spec.name: post.get(spec.name) for spec in STEPS[action].inputs if spec.name in post}
    if "version" in post:
        data["version"] = post.get("version")
    if action == "approve":
        data["decisions"] = {
            k.removeprefix("decision_"): v for k, v in post.items() if k.startswith("decision_")
        }
    elif action == "settle":
        # Nothing to pay (a comeback, the warranty's work): the form asks for no payment.
        paid = "method" in post or "amount" in post
        data["payments"] = (
            [{"method": post.get("method", ""), "amount": post.get("amount", "")}] if paid else []
        )
    return data
