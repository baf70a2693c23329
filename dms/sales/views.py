"""Pages of the sales desk, for a tablet in the showroom: the consultant's day, the door's traffic
log, a prospect (needs, contacts, grade, test drive, quote), a quotation (approval, PDF, order),
the showroom manager's approvals, a sales order (money, VIN, invoice, delivery) and the stock.

Every form posts to its page with a `do` naming the step; the step is the same service the API
calls, and a refusal shows its sentence on the page.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dms.core.errors import DomainError
from dms.core.roles import Perm, Role
from dms.core.shell import tenant_required
from dms.core.uploads import max_body
from dms.customers.models import CustomerContact
from dms.customers.rules import mask_mobile

from . import documents, links, selectors, services, services_orders, workflow
from .models import (
    Grade,
    Lead,
    LeadSource,
    Payment,
    Quotation,
    SalesHistory,
    SalesOrder,
    SalesPayment,
    StockVehicle,
)
from .services import consultants_of

PHOTO_MAX = 8 * 1024 * 1024


def _money(raw, field: str, *, required: bool = False) -> Decimal | None:
    raw = (raw or "").strip().replace(",", "")
    if not raw:
        if required:
            raise DomainError(_("Enter an amount."), field=field)
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise DomainError(_("%(v)s is not an amount.") % {"v": raw}, field=field) from None
    if not value.is_finite() or value < 0 or value > Decimal("9999999.99"):
        raise DomainError(_("%(v)s is not an amount.") % {"v": raw}, field=field)
    return value


def _int(raw, field: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise DomainError(_("Enter a whole number."), field=field) from None


def _refused(request, exc: DomainError) -> None:
    details = [str(e["message"]) for e in exc.errors if str(e["message"]) != str(exc.message)]
    messages.error(request, " ".join([str(exc.message), *details]))


def _next(request, default: str) -> str:
    """Where a form sends the user back to: a path of this site only."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _mobile(tenant, mobile: str) -> str:
    return mobile if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_mobile(mobile)


# What each step of a record's timeline is called on its page.
STEP_LABELS = {
    "created": gettext_lazy("Created"), "contact": gettext_lazy("Contact"), "grade": gettext_lazy("Graded"),
    "needs": gettext_lazy("Needs recorded"), "assigned": gettext_lazy("Assigned"), "lose": gettext_lazy("Marked lost"),
    "confirm-lost": gettext_lazy("Lost confirmed"), "reopen": gettext_lazy("Reopened"), "win": gettext_lazy("Ordered"),
    "approve": gettext_lazy("Discount approved"), "decline": gettext_lazy("Discount declined"),
    "paid": gettext_lazy("Payment"), "allocate": gettext_lazy("VIN allocated"), "invoice": gettext_lazy("Invoiced"),
    "deliver": gettext_lazy("Delivered"), "cancel": gettext_lazy("Cancelled"),
    "delivery_due": gettext_lazy("Delivery appointment"),
}  # fmt: skip


def _history(subject: str, pk: int) -> list:
    rows = list(
        SalesHistory.objects.filter(subject=subject, subject_id=pk)
        .select_related("by")
        .order_by("-at", "-id")[:30]
    )
    for h in rows:
        h.label = STEP_LABELS.get(h.action, h.action)
    return rows


# --- My day ------------------------------------------------------------------------------------------------


@tenant_required
def my_day(request):
    """The consultant's day: prospects to follow up by grade, today's test drives, cars to deliver;
    a walk-in registered in one form. The showroom manager sees the whole store."""
    t = request.tenant
    t.require(Perm.LEAD_WORK)
    if request.method == "POST":
        try:
            lead, created = services.lead_create(
                tenant=t, name=request.POST.get("name", ""), mobile=request.POST.get("mobile", ""),
                source=request.POST.get("source", LeadSource.WALK_IN), model_interest=request.POST.get("model_interest", ""),
            )  # fmt: skip
        except DomainError as exc:
            _refused(request, exc)
        else:
            if not created:
                messages.info(request, _("This mobile number has an open prospect already: here it is."))
            return redirect("sales:lead", lead.pk)
    mine = t.role == Role.SALES_CONSULTANT
    start, end = selectors.day_bounds(t)
    leads = Lead.objects.for_tenant(t).filter(state__in=[Lead.State.NEW, Lead.State.FOLLOWING])
    if mine:
        leads = leads.filter(assigned_to=t.user)
    due = list(
        leads.filter(next_follow_up_at__lt=end)
        .select_related("assigned_to")
        .order_by("next_follow_up_at")[:100]
    )
    by_grade = []
    for value, label in [("H", Grade.H.label), ("A", Grade.A.label), ("B", Grade.B.label), ("C", Grade.C.label),
                         ("", _("Not graded yet"))]:  # fmt: skip
        rows = [x for x in due if x.grade == value]
        if rows:
            by_grade.append({"grade": value, "label": label, "rows": rows})
    drives = selectors.drives_between(t, start, end, mine=mine)
    _count, orders = selectors.order_list(t, states=[SalesOrder.State.OPEN], mine=mine, limit=50)
    pending = Quotation.objects.for_tenant(t).filter(state=Quotation.State.PENDING_APPROVAL).count()
    lost = Lead.objects.for_tenant(t).filter(state=Lead.State.LOST_PENDING).count()
    context = {
        "by_grade": by_grade, "drives": drives, "orders": orders, "now": timezone.now(), "mine": mine,
        "soon": timezone.now() + timedelta(hours=24),
        "sources": LeadSource.choices, "pending": pending, "lost_pending": lost,
        "can_approve": t.can(Perm.SALES_APPROVE),
    }  # fmt: skip
    return render(request, "sales/my_day.html", context)


# --- The door ------------------------------------------------------------------------------------------------


@tenant_required
def door(request):
    """The traffic log at the door: a party in with one tap, out with another."""
    t = request.tenant
    t.require(Perm.LEAD_WORK)
    if request.method == "POST":
        try:
            if request.POST.get("do") == "leave":
                services.visit_leave(tenant=t, visit_id=_int(request.POST.get("visit"), "visit"))
            else:
                services.visit_log(
                    tenant=t, party_size=_int(request.POST.get("party_size"), "party_size") or 1,
                    first_visit=request.POST.get("first_visit", "1") == "1",
                    consultant_id=_int(request.POST.get("consultant"), "consultant_id"),
                )  # fmt: skip
                messages.success(request, _("Arrival logged."))
        except DomainError as exc:
            _refused(request, exc)
        return redirect("sales:door")
    _count, visits = selectors.visit_list(t, limit=200)
    context = {"visits": visits, "consultants": consultants_of(t.store), "sizes": range(1, 7)}
    return render(request, "sales/door.html", context)


# --- A prospect ---------------------------------------------------------------------------------------------


def _quote_from_post(t, lead, post) -> Quotation:
    accessories = []
    for name, price in zip(post.getlist("acc_name"), post.getlist("acc_price"), strict=False):
        if name.strip():
            accessories.append({"name": name, "price": _money(price, "accessories") or Decimal(0)})
    finance = None
    if post.get("term_months"):
        finance = {"down_payment": _money(post.get("down_payment"), "finance.down_payment") or Decimal(0),
                   "term_months": _int(post.get("term_months"), "finance.term_months"),
                   "annual_rate": _money(post.get("annual_rate"), "finance.annual_rate") or Decimal(0)}  # fmt: skip
    trade_in = None
    if post.get("trade_plate") or post.get("trade_vin") or post.get("trade_value"):
        trade_in = {"plate": post.get("trade_plate", ""), "vin": post.get("trade_vin", ""),
                    "condition": post.get("trade_condition", ""),
                    "value": _money(post.get("trade_value"), "trade_in.value") or Decimal(0)}  # fmt: skip
    return services_orders.quotation_create(
        tenant=t, lead_id=lead.pk, model=post.get("model", ""), trim=post.get("trim", ""),
        colour=post.get("colour", ""), list_price=_money(post.get("list_price"), "list_price", required=True),
        discount=_money(post.get("discount"), "discount") or Decimal(0), discount_reason=post.get("discount_reason", ""),
        accessories=accessories, insurance=_money(post.get("insurance"), "insurance") or Decimal(0),
        fees=_money(post.get("fees"), "fees") or Decimal(0), finance=finance, trade_in=trade_in,
    )  # fmt: skip


def _lead_step(request, t, lead: Lead):
    post, do = request.POST, request.POST.get("do")
    version = _int(post.get("version"), "version")
    if do == "contact":
        services.lead_contact(tenant=t, lead_id=lead.pk, channel=post.get("channel", "phone"),
                              note=post.get("note", ""), grade=post.get("grade") or None, version=version)  # fmt: skip
        messages.success(request, _("Contact recorded."))
    elif do == "grade":
        services.lead_grade(tenant=t, lead_id=lead.pk, grade=post.get("grade", ""), version=version)
        messages.success(request, _("Graded."))
    elif do == "lose":
        services.lead_lose(tenant=t, lead_id=lead.pk, reason=post.get("reason", ""), version=version)
        messages.info(request, _("Marked lost: the showroom manager confirms it."))
    elif do == "confirm-lost":
        services.lead_confirm_lost(tenant=t, lead_id=lead.pk, version=version)
        messages.success(request, _("Lost confirmed."))
    elif do == "reopen":
        services.lead_reopen(tenant=t, lead_id=lead.pk, version=version)
        messages.success(request, _("Reopened."))
    elif do == "needs":
        services.lead_needs(
            tenant=t, lead_id=lead.pk, budget=_money(post.get("budget"), "budget") or Decimal(0),
            usage=post.get("usage", ""), family=post.get("family", ""),
            models_of_interest=post.get("models_of_interest", ""), competing_brands=post.get("competing_brands", ""),
            payment=post.get("payment", ""), needs_note=post.get("needs_note", ""),
        )  # fmt: skip
        messages.success(request, _("Needs saved."))
    elif do == "test-drive":
        try:
            expires = date.fromisoformat(post.get("licence_expires", ""))
        except ValueError:
            raise DomainError(_("Enter the licence's expiry date."), field="licence_expires") from None
        services.testdrive_start(
            tenant=t, lead_id=lead.pk, model=post.get("model", ""), licence_no=post.get("licence_no", ""),
            licence_expires=expires, odometer_start=_int(post.get("odometer_start"), "odometer_start"),
            route=post.get("route", ""), signature=post.get("signature", ""),
        )  # fmt: skip
        messages.success(request, _("Test drive started: the agreement is signed."))
    elif do == "finish-drive":
        services.testdrive_finish(
            tenant=t, test_drive_id=_int(post.get("drive"), "drive"),
            odometer_end=_int(post.get("odometer_end"), "odometer_end"), impressions=post.get("impressions", ""),
        )  # fmt: skip
        messages.success(request, _("Test drive finished."))
    elif do == "quote":
        q = _quote_from_post(t, lead, post)
        return redirect("sales:quotation", q.pk)
    elif do == "assign":
        services.lead_assign(
            tenant=t, lead_id=lead.pk, user_id=_int(post.get("assigned_to"), "assigned_to_id")
        )
        messages.success(request, _("Assigned."))
    else:
        raise DomainError(_("Unknown step."))
    return None


@tenant_required
def lead_detail(request, lead_id):
    t = request.tenant
    lead = selectors.lead_get(t, lead_id)
    t.require(Perm.LEAD_WORK)
    if request.method == "POST":
        try:
            done = _lead_step(request, t, lead)
        except DomainError as exc:
            _refused(request, exc)
        else:
            if done is not None:
                return done
        return redirect(_next(request, reverse("sales:lead", args=[lead.pk])))
    context = {
        "lead": lead, "mobile": _mobile(t, lead.mobile), "actions": selectors.lead_actions(lead, t),
        "tips": selectors.behaviour_tips(lead), "drives": list(lead.test_drives.order_by("-started_at")),
        "quotations": list(lead.quotations.order_by("-created_at")), "history": _history("lead", lead.pk),
        "grades": Grade.choices, "channels": CustomerContact.Kind.choices, "payments": Payment.choices,
        "today": timezone.localdate(), "models": selectors.stock_models(t),
        "consultants": consultants_of(t.store) if t.can(Perm.LEAD_ASSIGN) else [],
    }  # fmt: skip
    return render(request, "sales/lead.html", context)


@tenant_required
def drive_agreement(request, drive_id):
    """The signed test-drive agreement, for the store's users only."""
    t = request.tenant
    drive = selectors.drive_get(t, drive_id)
    t.require(Perm.LEAD_WORK)
    if not drive.agreement:
        raise Http404()
    return FileResponse(drive.agreement.open("rb"), content_type="image/png")


# --- Quotations ----------------------------------------------------------------------------------------------


@tenant_required
def quotation_detail(request, quotation_id):
    t = request.tenant
    q = selectors.quotation_get(t, quotation_id)
    t.require(Perm.QUOTE)
    if request.method == "POST":
        do = request.POST.get("do")
        try:
            if do in ("approve", "decline"):
                services_orders.quotation_decide(tenant=t, quotation_id=q.pk, approve=do == "approve",
                                                 reason=request.POST.get("reason", ""))  # fmt: skip
                messages.success(request, _("Approved.") if do == "approve" else _("Declined."))
            elif do == "order":
                order = services_orders.sales_order_create(tenant=t, quotation_id=q.pk)
                messages.success(request, _("Order %(n)s signed.") % {"n": order.number})
                return redirect("sales:order", order.pk)
        except DomainError as exc:
            _refused(request, exc)
        return redirect(_next(request, reverse("sales:quotation", args=[q.pk])))
    order = SalesOrder.objects.filter(quotation=q).first()
    context = {
        "q": q, "order": order, "actions": workflow.QUOTATION.allowed_actions(q, t),
        "authority": services.settings_for(t.store).discount_authority,
        "financed": (q.total - q.down_payment) if q.down_payment is not None else None,
        "history": _history("quotation", q.pk), "can_order": t.can(Perm.SALES_ORDER),
    }  # fmt: skip
    return render(request, "sales/quotation.html", context)


@tenant_required
def quotation_pdf(request, quotation_id):
    t = request.tenant
    q = selectors.quotation_get(t, quotation_id)
    t.require(Perm.QUOTE)
    response = HttpResponse(documents.quotation_pdf(q, t), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="quotation-{q.pk}.pdf"'
    return response


@tenant_required
def approvals(request):
    """The showroom manager's queue: discounts above authority, prospects marked lost."""
    t = request.tenant
    t.require(Perm.SALES_APPROVE)
    quotes = list(
        Quotation.objects.for_tenant(t).filter(state=Quotation.State.PENDING_APPROVAL)
        .select_related("lead", "created_by").order_by("created_at")
    )  # fmt: skip
    lost = list(
        Lead.objects.for_tenant(t)
        .filter(state=Lead.State.LOST_PENDING)
        .select_related("assigned_to")
        .order_by("updated_at")
    )
    authority = services.settings_for(t.store).discount_authority
    return render(request, "sales/approvals.html", {"quotes": quotes, "lost": lost, "authority": authority})


# --- Sales orders ---------------------------------------------------------------------------------------------


def _order_step(request, t, order: SalesOrder):
    post, do = request.POST, request.POST.get("do")
    if do == "payment":
        services_orders.payment_add(tenant=t, order_id=order.pk, kind=post.get("kind", ""), method=post.get("method", ""),
                                    amount=_money(post.get("amount"), "amount", required=True))  # fmt: skip
        messages.success(request, _("Payment recorded."))
    elif do == "allocate":
        services_orders.sales_order_allocate(tenant=t, order_id=order.pk,
                                             stock_vehicle_id=_int(post.get("stock_vehicle"), "stock_vehicle_id"))  # fmt: skip
        messages.success(request, _("VIN allocated."))
    elif do == "invoice":
        services_orders.sales_order_invoice(
            tenant=t, order_id=order.pk, invoice_number=post.get("invoice_number", "")
        )
        messages.success(request, _("Invoice recorded."))
    elif do == "due":
        try:
            at = timezone.make_aware(datetime.fromisoformat(post.get("delivery_due", "")))
        except ValueError:
            raise DomainError(_("Enter the date and time of the delivery."), field="delivery_due") from None
        services_orders.delivery_due_set(tenant=t, order_id=order.pk, at=at)
        messages.success(request, _("Delivery appointment set."))
    elif do == "deliver":
        photo = request.FILES.get("photo")
        if photo is None:
            raise DomainError(_("Take the delivery photo (一照) first."), field="photo")
        if photo.size > PHOTO_MAX or (photo.content_type or "") not in ("image/jpeg", "image/png"):
            raise DomainError(_("The photo is a JPEG or PNG of at most 8 MB."), field="photo")
        services_orders.sales_order_deliver(
            tenant=t, order_id=order.pk, checklist={k: post.get(k) == "on" for k in services_orders.CHECKLIST},
            plate=post.get("plate", "").strip(), service_advisor_id=_int(post.get("advisor"), "service_advisor_id"),
            photo=photo.read(), photo_name=photo.name,
        )  # fmt: skip
        messages.success(request, _("Delivered: the customer and the car are in the files."))
    elif do == "cancel":
        services_orders.sales_order_cancel(tenant=t, order_id=order.pk, reason=post.get("reason", ""))
        messages.info(request, _("Order cancelled."))
    else:
        raise DomainError(_("Unknown step."))


@tenant_required
@max_body(PHOTO_MAX + 256 * 1024)
def order_detail(request, sales_order_id):
    t = request.tenant
    order = selectors.order_get(t, sales_order_id)
    if not (t.can(Perm.SALES_ORDER) or t.can(Perm.SALES_PAYMENT)):
        t.require(Perm.SALES_ORDER)
    if request.method == "POST":
        try:
            _order_step(request, t, order)
        except DomainError as exc:
            _refused(request, exc)
        return redirect("sales:order", order.pk)
    rules = services.settings_for(t.store)
    free = []
    if not order.stock_vehicle_id:
        free = list(
            StockVehicle.objects.for_tenant(t)
            .filter(
                state__in=[StockVehicle.State.IN_STOCK, StockVehicle.State.IN_TRANSIT],
                model=order.quotation.model,
            )
            .order_by("state", "arrived_on", "id")  # in stock before in transit
        )
    from dms.core.models import User

    advisors = User.objects.filter(
        memberships__store=t.store, memberships__role=Role.SERVICE_ADVISOR, is_active=True
    )
    context = {
        "order": order, "q": order.quotation, "payments": selectors.order_payments(order),
        "actions": workflow.ORDER.allowed_actions(order, t), "free": free, "advisors": advisors,
        "kinds": SalesPayment.Kind.choices, "methods": SalesPayment.Method.choices,
        "checklist": services_orders.CHECKLIST.items(), "share": rules.invoice_share * 100,
        "needed": (order.total * rules.invoice_share).quantize(Decimal("0.01")),
        "commission": selectors.commission_of(order, rules.commission_rate),
        "history": _history("sales_order", order.pk), "can_pay": t.can(Perm.SALES_PAYMENT),
        "photo_message": selectors.delivery_photo_message(order) if order.delivery_photo else None,
        "can_order": t.can(Perm.SALES_ORDER), "late": order.delivery_due and order.delivery_due < timezone.now()
        and order.state == SalesOrder.State.OPEN,
        "soon": order.delivery_due and order.state == SalesOrder.State.OPEN
        and timezone.now() <= order.delivery_due < timezone.now() + timedelta(days=1),
    }  # fmt: skip
    return render(request, "sales/order.html", context)


@tenant_required
def delivery_photo(request, sales_order_id):
    t = request.tenant
    order = selectors.order_get(t, sales_order_id)
    t.require(Perm.SALES_ORDER)
    if not order.delivery_photo:
        raise Http404()
    return _photo_file(order)


def _photo_file(order: SalesOrder) -> FileResponse:
    kind = "image/png" if order.delivery_photo.name.endswith(".png") else "image/jpeg"
    return FileResponse(order.delivery_photo.open("rb"), content_type=kind)


def _shared_order(token: str) -> SalesOrder:
    """The delivered order of the buyer's photo link; a forged, altered or expired link, or an order
    without a photo (or whose photo was erased), opens nothing: 404 either way."""
    order_id = links.read_token(token)
    order = (
        SalesOrder.objects.select_related("store", "customer", "vehicle", "vehicle__brand")
        .filter(pk=order_id)
        .first()
        if order_id is not None
        else None
    )
    if order is None or order.state != SalesOrder.State.DELIVERED or not order.delivery_photo:
        raise Http404()
    return order


def _customer_headers(response):
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def photo_shared(request, token: str):
    """The buyer's page of their delivery photo (一照), opened from the text (no login). The link is
    checked before the method: a forged one answers 404 whatever is asked of it."""
    order = _shared_order(token)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    context = {"order": order, "store": order.store, "token": token}
    return _customer_headers(render(request, "sales/photo_shared.html", context))


def photo_shared_image(request, token: str):
    order = _shared_order(token)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _customer_headers(_photo_file(order))


# --- Stock -------------------------------------------------------------------------------------------------------


@tenant_required
def stock(request):
    """New cars by VIN, the longest in stock first, with their age."""
    t = request.tenant
    t.require(Perm.STOCK_VIEW)
    if request.method == "POST":
        try:
            if request.POST.get("do") == "receive":
                services_orders.stock_receive(tenant=t, stock_vehicle_id=_int(request.POST.get("car"), "car"))
            else:
                services_orders.stock_create(
                    tenant=t, vin=request.POST.get("vin", ""), brand=request.POST.get("brand", ""),
                    model=request.POST.get("model", ""), trim=request.POST.get("trim", ""),
                    colour=request.POST.get("colour", ""),
                    list_price=_money(request.POST.get("list_price"), "list_price", required=True),
                    cost=_money(request.POST.get("cost"), "cost"), state=request.POST.get("state", "in_stock"),
                )  # fmt: skip
                messages.success(request, _("Car added to the stock."))
        except DomainError as exc:
            _refused(request, exc)
        return redirect("sales:stock")
    state = request.GET.get("state", "")
    states = [state] if state in StockVehicle.State.values else [StockVehicle.State.IN_TRANSIT, StockVehicle.State.IN_STOCK,
                                                                  StockVehicle.State.ALLOCATED]  # fmt: skip
    _count, cars = selectors.stock_list(t, states=states, model=request.GET.get("model", ""), limit=200)
    today = timezone.localdate()
    rows = [{"car": c, "age": selectors.stock_age_days(c, today)} for c in cars]
    context = {
        "rows": rows, "state": state, "states": StockVehicle.State.choices, "can_manage": t.can(Perm.STOCK_MANAGE),
        "brands": t.store.brands.all(), "ageing": selectors.stock_ageing(t, today),
    }  # fmt: skip
    return render(request, "sales/stock.html", context)


# --- The sales desk ---------------------------------------------------------------------------------------------


def _month(request) -> date:
    raw = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@tenant_required
def desk(request):
    """The sales desk's measures for a month: the funnel per consultant, the lost reasons, the
    pipeline by grade, stock ageing, receivables, gross per car and commissions, with a chart."""
    from . import reports

    t = request.tenant
    t.require(Perm.SALES_REPORT)
    month = _month(request)
    f = reports.funnel(t, month)
    start, end = f["start"], f["end"]
    chart = {
        "labels": [str(_("Leads")), str(_("Test drives")), str(_("Quotations")), str(_("Orders")), str(_("Deliveries"))],
        "values": [f["total"].leads, f["total"].drove, f["total"].quotations, f["total"].orders, f["total"].deliveries],
        "pipeline": [{"grade": p["grade"] or "—", "n": p["n"]} for p in reports.pipeline(t)],
    }  # fmt: skip
    prev = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    context = {
        "month": month, "prev": prev, "next": nxt, "funnel": f, "pipeline": reports.pipeline(t),
        "ageing": selectors.stock_ageing(t), "receivables": selectors.receivables(t), "gross": reports.gross_per_car(t, month),
        "commissions": selectors.commissions(t, start=start, end=end), "chart": chart,
        "ledger": selectors.order_list(t, limit=200)[1],
    }  # fmt: skip
    return render(request, "sales/desk.html", context)


@tenant_required
def desk_export(request):
    import io

    from . import reports

    t = request.tenant
    t.require(Perm.SALES_REPORT)
    month = _month(request)
    out = io.BytesIO()
    reports.desk_xlsx(t, month, out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="sales-{t.store.code}-{month:%Y-%m}.xlsx"'
    return response


@tenant_required
def lead_list(request):
    """The store's prospects, filtered as the desk's numbers drill down: state, grade, source,
    consultant (`none`: unassigned), month of registration, lost reason, those who took a test drive."""
    t = request.tenant
    t.require(Perm.LEAD_WORK)
    qs = Lead.objects.for_tenant(t).select_related("assigned_to")
    g = request.GET
    if g.get("state") in Lead.State.values:
        qs = qs.filter(state=g["state"])
    elif g.get("state") == "open":
        qs = qs.filter(state__in=[Lead.State.NEW, Lead.State.FOLLOWING])
    if g.get("grade") in Grade.values or g.get("grade") == "none":
        qs = qs.filter(grade="" if g["grade"] == "none" else g["grade"])
    if g.get("source") in LeadSource.values:
        qs = qs.filter(source=g["source"])
    consultant = _int(g.get("consultant"), "consultant") if (g.get("consultant") or "").isdigit() else None
    if consultant:
        qs = qs.filter(assigned_to_id=consultant)
    elif g.get("consultant") == "none":
        qs = qs.filter(assigned_to__isnull=True)
    if g.get("drove") == "1":
        qs = qs.filter(test_drives__isnull=False).distinct()
    if t.role == Role.SALES_CONSULTANT:
        qs = qs.filter(assigned_to=t.user)
    if g.get("month"):
        from . import reports

        start, end = reports.month_bounds(t, _month(request))
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    if g.get("lost_reason"):
        qs = qs.filter(lost_reason=g["lost_reason"])
    rows = list(qs.order_by("-created_at", "id")[:300])
    context = {"rows": rows, "grades": Grade.choices, "sources": LeadSource.choices, "states": Lead.State.choices,
               "q": g, "from_desk": bool(g.get("month")) and t.can(Perm.SALES_REPORT)}  # fmt: skip
    return render(request, "sales/leads.html", context)


DESK_MEASURES = {
    "visits": gettext_lazy("Showroom visits"),
    "quotations": gettext_lazy("Quotations"),
    "orders": gettext_lazy("Orders"),
    "deliveries": gettext_lazy("Deliveries"),
}


@tenant_required
def desk_records(request):
    """The records behind a number of the desk's funnel that is not a prospect count (those drill down
    to the prospects' list): the month's showroom visits, quotations, orders or deliveries, of one
    consultant (`consultant=<id>`, `none`: nobody's) or the store's, from the query that counts them."""
    from . import reports

    t = request.tenant
    t.require(Perm.SALES_REPORT)
    g = request.GET
    measure, month, consultant = g.get("measure") or "orders", _month(request), g.get("consultant") or None
    error = None
    if measure not in DESK_MEASURES:
        error = _("Choose one of: %(v)s.") % {"v": ", ".join(DESK_MEASURES)}
    elif consultant is not None and consultant != "none" and not consultant.isdigit():
        error = _("The consultant is a number.")
    if error:
        context = {"error": error, "month": month, "measures": DESK_MEASURES.items(), "rows": []}
        return render(request, "sales/desk_records.html", context, status=400)
    records = reports.by_consultant(reports.measure_records(t, month, measure), measure, consultant)
    related = {
        "visits": ("lead", "consultant"), "quotations": ("lead", "lead__assigned_to", "created_by"),
        "orders": ("lead", "quotation", "consultant", "stock_vehicle"),
        "deliveries": ("lead", "quotation", "consultant", "stock_vehicle", "customer"),
    }[measure]  # fmt: skip
    order_by = {"visits": "arrived_at", "quotations": "created_at", "orders": "created_at",
                "deliveries": "delivered_at"}[measure]  # fmt: skip
    rows = list(records.select_related(*related).order_by(order_by, "pk")[:500])
    who = None
    if consultant == "none":
        who = _("Unassigned")
    elif consultant:
        from dms.core.models import User

        who = User.objects.filter(pk=consultant, group_id=t.group_id).first() or "—"
    context = {"measure": measure, "label": DESK_MEASURES[measure], "month": month, "rows": rows, "who": who,
               "measures": DESK_MEASURES.items(), "consultant": consultant or ""}  # fmt: skip
    return render(request, "sales/desk_records.html", context)
