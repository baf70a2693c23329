"""Repair-order pages: the list, opening an order at reception, and the order itself with the
steps the signed-in role may take now (the same table the API answers from)."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import Conflict, DomainError, Forbidden
from dms.core.roles import Perm
from dms.core.shell import apply_errors, tenant_required
from dms.scheduling.models import Skill, Technician
from dms.vehicles import selectors as vehicle_selectors

from . import actions, comebacks, extensions, load, selectors, services, workflow
from .forms import DeliverForm, LineForm, OrderForm
from .models import OPEN_STATES, WORK_FEES, ComebackStatus, FeeCategory, LaborOperation, PaymentMethod, State
from .rules import certificate_required

PAGE = 30


@tenant_required
def order_list(request):
    tenant = request.tenant
    tenant.require(Perm.RO_VIEW)
    state = request.GET.get("state", ",".join(OPEN_STATES))
    count, orders = selectors.order_list(tenant, state=state, q=request.GET.get("q", ""), limit=PAGE)
    context = {"orders": orders, "count": count, "q": request.GET.get("q", "")}
    context.update(extensions.panels(tenant, None, slots=("list_top",)))
    return render(request, "workshop/list.html", context)


@tenant_required
def order_create(request):
    tenant = request.tenant
    tenant.require(Perm.RO_EDIT)
    vehicle = vehicle_selectors.vehicle_get(tenant, request.GET.get("vehicle") or request.POST.get("vehicle"))
    estimate = load.promise_estimate(tenant)
    initial = {
        "mileage_km": vehicle.mileage_km,
        "promised_at": timezone.localtime(estimate.ready_at).strftime("%Y-%m-%dT%H:%M"),
    }
    form = OrderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, **form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            if order.is_comeback:
                messages.warning(request, _("Comeback: this vehicle was repaired under %(n)s within the repair-quality warranty.")
                                 % {"n": order.comeback_of.number})  # fmt: skip
            return redirect("workshop:detail", pk=order.pk)
    return render(request, "workshop/create.html", {"form": form, "vehicle": vehicle, "estimate": estimate})


def _stock(tenant, order) -> dict[int, object]:
    """Available stock (on hand less reserved) of the order's parts in this store: one query."""
    from dms.parts.models import Part
    from dms.parts.selectors import with_stock

    ids = {ln.part_id for ln in order.lines.all() if ln.part_id}
    if not ids:
        return {}
    rows = with_stock(Part.objects.filter(pk__in=ids), tenant.store).values_list("pk", "available")
    return {pk: Decimal(available).quantize(Decimal("0.01")) for pk, available in rows}


def _timeline(order) -> list[dict]:
    """The order's events in words: the step's label and the states' names."""
    labels = {t.action: t.label for t in workflow.TRANSITIONS.values()}
    labels.update(
        {
            "open": _("Order opened"),
            "line-add": _("Item added"),
            "line-remove": _("Item removed"),
            "clock-on": _("Technician clocked on"),
            "clock-pause": _("Technician paused"),
            "clock-resume": _("Technician resumed"),
            "clock-off": _("Technician clocked off"),
            "parts-issue": _("Parts issued"),
            "delay": _("New promised time told to the customer"),
        }
    )
    labels.update(extensions.timeline_labels())
    states = dict(State.choices)
    return [
        {
            "at": e.at,
            "by": e.by,
            "label": labels.get(e.action, e.action),
            "moved": e.from_state != e.to_state,
            "from": states.get(e.from_state, e.from_state),
            "to": states.get(e.to_state, e.to_state),
            "reason": e.reason,
        }
        for e in order.events.select_related("by")
    ]


def _parts(tenant):
    from dms.parts.models import Part

    return Part.objects.for_tenant(tenant).filter(active=True).order_by("number")[:500]


@tenant_required
def order_detail(request, pk):
    tenant = request.tenant
    tenant.require(Perm.RO_VIEW)
    order = selectors.order_get(tenant, pk)
    return render(request, "workshop/detail.html", _detail_context(tenant, order))


COMEBACK_STEPS = ("confirm-comeback", "overrule-comeback")


def _comeback(order, steps) -> dict | None:
    """The order's comeback card (返修): while the advisor may still decide, every earlier repair of
    the car inside its repair-quality warranty with the fault in common (labor operations and
    systems) and the decision's forms; once decided, what was decided (the original order, its
    technician and QC inspector are on the order). None for an order not flagged at its opening."""
    if order.comeback_status == ComebackStatus.NONE:
        return None
    confirming = any(t.action == "confirm-comeback" for t in steps)
    found = comebacks.candidates(order) if confirming else []
    systems = dict(Skill.choices)
    return {
        "steps": steps if found or not confirming else [t for t in steps if t.action != "confirm-comeback"],
        "candidates": [
            {"order": c.order, "days_left": c.days_left, "km_left": c.km_left, "matches": c.matches,
             "fault": c.same_operations + [str(systems.get(s, s)) for s in c.same_systems]}
            for c in found
        ],
    }  # fmt: skip


def _deliver_form(order, data=None) -> DeliverForm:
    return DeliverForm(data, order=order, **extensions.delivery_defaults(order))


def _detail_context(tenant, order, *, deliver_form: DeliverForm | None = None) -> dict:
    """What the order page shows; `deliver_form` is the one posted back with its errors."""
    operations = LaborOperation.objects.for_tenant(tenant).filter(active=True)
    actions = [workflow.TRANSITIONS[a] for a in workflow.allowed_actions(order, tenant)]
    if deliver_form is None and any(t.action == "deliver" for t in actions):
        deliver_form = _deliver_form(order)
    context = {
        "order": order,
        # The comeback's decision is taken on its own card, beside what it is decided on.
        "actions": [t for t in actions if t.action not in COMEBACK_STEPS],
        "comeback": _comeback(order, [t for t in actions if t.action in COMEBACK_STEPS]),
        "deliver_form": deliver_form,
        "line_form": LineForm(operations=operations, parts=_parts(tenant), advisor=tenant.can(Perm.RO_EDIT)),
        "can_add_lines": order.state in services.EDITABLE
        and (tenant.can(Perm.RO_EDIT) or tenant.can(Perm.RO_WORK)),
        "technicians": Technician.objects.for_tenant(tenant).filter(active=True).select_related("user"),
        "events": _timeline(order),
        "stock": _stock(tenant, order),
        "can_issue": tenant.can(Perm.PARTS_ISSUE) and order.state in services.ISSUING,
        # A labor or fee line may be counted as another fee on the settlement list until settled.
        "can_change_fee": tenant.can(Perm.RO_EDIT) and order.state not in services.FEES_FIXED,
        "fee_choices": [(v, label) for v, label in FeeCategory.choices if v in WORK_FEES],
        "payment_methods": PaymentMethod.choices,
        "certificate_required": certificate_required(order.work_class),
        "estimate": load.promise_estimate(tenant, order=order) if order.state == State.DRAFT else None,
        "late": bool(order.promised_at and order.promised_at < timezone.now() and order.state in OPEN_STATES
                     and order.state not in (State.READY, State.SETTLED)),
    }  # fmt: skip
    # The cards other apps add: the check-in sheet, packages and recommendations, the customer's links.
    context.update(extensions.panels(tenant, order, slots=("order_top", "order_main", "order_side")))
    return context


@tenant_required
@require_POST
def line_create(request, pk):
    tenant = request.tenant
    order = selectors.order_get(tenant, pk)
    form = LineForm(
        request.POST, operations=LaborOperation.objects.for_tenant(tenant), parts=_parts(tenant),
        advisor=tenant.can(Perm.RO_EDIT),
    )  # fmt: skip
    if form.is_valid():
        try:
            version = request.POST.get("version", "")
            services.line_add(
                tenant=tenant, order_id=order.pk, version=int(version) if version.isdigit() else None,
                **form.service_kwargs(),
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, "；".join(str(e["message"]) for e in exc.errors) or exc.message)
        else:
            messages.success(request, _("Line added."))
    else:
        messages.error(request, _("Please correct the marked fields."))
    return redirect("workshop:detail", pk=order.pk)


@tenant_required
@require_POST
def line_fee(request, pk, line_pk):
    """The advisor counts a labor or fee line as another fee on the settlement list (诊断费, 检测费,
    加工费, ...): the same service as the API's PATCH of the line."""
    tenant = request.tenant
    order = selectors.order_get(tenant, pk)  # another store's order: 404 before anything else
    version = request.POST.get("version", "")
    try:
        services.line_fee_category_set(
            tenant=tenant, order_id=order.pk, line_id=line_pk, fee_category=request.POST.get("fee_category", ""),
            version=int(version) if version.isdigit() else None,
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved: the settlement list counts the line as chosen."))
    return redirect("workshop:detail", pk=order.pk)


@tenant_required
@require_POST
def order_action(request, pk, action):
    """A step's button: its form goes through the same adapter, with the same checks, as the API."""
    tenant = request.tenant
    order = selectors.order_get(tenant, pk)
    if action == "deliver":
        return _deliver(request, order)
    try:
        actions.take(
            tenant=tenant, order_id=order.pk, action=action, data=actions.from_post(action, request.POST)
        )
    except DomainError as exc:
        messages.error(request, "；".join(str(e["message"]) for e in exc.errors) or exc.message)
    else:
        messages.success(request, _("Done: %(step)s.") % {"step": workflow.TRANSITIONS[action].label})
    return redirect("workshop:detail", pk=order.pk)


def _deliver(request, order):
    """Delivery (交车) from the order page: the form (its radios and lists) reads the answers, and
    they go through the same adapter as the API's. A wrong answer shows the page again with the
    message on its field, and nothing changes."""
    tenant = request.tenant
    try:  # the order moved on, or this role may not deliver: say so before reading the form
        workflow.ORDER.check(order, "deliver", tenant=tenant)
    except (Conflict, Forbidden) as exc:
        messages.error(request, exc.message)
        return redirect("workshop:detail", pk=order.pk)
    form = _deliver_form(order, request.POST)
    if form.is_valid():
        data = {**form.service_kwargs(), "version": request.POST.get("version")}
        try:
            actions.take(tenant=tenant, order_id=order.pk, action="deliver", data=data)
        except (Conflict, Forbidden) as exc:
            messages.error(request, exc.message)
            return redirect("workshop:detail", pk=order.pk)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Done: %(step)s.") % {"step": workflow.TRANSITIONS["deliver"].label})
            return redirect("workshop:detail", pk=order.pk)
    return render(
        request, "workshop/detail.html", _detail_context(tenant, order, deliver_form=form), status=400
    )


@tenant_required
@require_POST
def line_issue(request, pk, line_pk):
    """The parts clerk's 领料 button on a part line."""
    tenant = request.tenant
    order = selectors.order_get(tenant, pk)  # another store's order: 404 before anything else
    tenant.require(Perm.PARTS_ISSUE)
    try:
        services.line_issue_parts(
            tenant=tenant, order_id=order.pk, line_id=line_pk, quantity=request.POST.get("quantity") or None
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Parts issued from stock."))
    return redirect("workshop:detail", pk=order.pk)
