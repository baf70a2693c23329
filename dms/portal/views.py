"""The customer's pages, opened by a signed link (no login): the repair's progress and the
decision on extra work. And two small staff actions from the order page: text a link, announce
a delay.

A link that is forged, altered, expired or made for the other page opens nothing (404), the same
answer as for an order that does not exist. An approval link of an earlier approval round opens a
page saying it is out of date (410) and decides nothing. The decision on the approval page is the
customer's because the link proves it: a member of staff signed in who opens it sees the items,
not the choice (403 on a decision); staff record a decision by phone or in person on the order
page, under their own name.
"""

import io
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from PIL import Image, ImageOps

from dms.core.errors import Conflict, DomainError, Forbidden, NotFound
from dms.core.shell import tenant_required
from dms.core.signin import client_ip
from dms.core.validation import aware
from dms.workshop import selectors as workshop_selectors

from . import links, selectors, services

LANGS = {code for code, _name in settings.LANGUAGES}


def customer_page(view):
    """No login; Chinese unless the browser (or ?lang=en) asks otherwise; the store's time zone;
    never cached, never indexed, and the link is never passed on to another site as a referrer
    (same-origin, not no-referrer: a form posted without an Origin fails Django's CSRF check)."""

    @wraps(view)
    def wrapper(request, token: str):
        lang = request.GET.get("lang")
        lang = lang if lang in LANGS else None
        with translation.override(lang or translation.get_language()):
            response = view(request, token, lang)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def _order(token: str, purpose: str):
    order_id = links.read_token(token, purpose)
    order = selectors.order_for_link(order_id) if order_id is not None else None
    if order is None:
        raise Http404()
    return order


def _approval_order(token: str):
    """The order of an approval link and whether the link is of its current approval round."""
    read = links.read_approval_token(token)
    order = selectors.order_for_link(read[0]) if read is not None else None
    if order is None or read[1] > order.approval_round:
        raise Http404()
    return order, read[1] == order.approval_round


def _render(request, template: str, order, context: dict, lang, status: int = 200):
    with timezone.override(ZoneInfo(order.store.time_zone or settings.TIME_ZONE)):
        return render(
            request,
            template,
            {"order": order, "store": order.store, "lang": lang, "lang_q": f"?lang={lang}" if lang else "",
             "now": timezone.now(), **context},
            status=status,
        )  # fmt: skip


@customer_page
@require_http_methods(["GET", "HEAD"])
def status(request, token: str, lang):
    order = _order(token, links.STATUS)
    promise = selectors.current_promise(order)
    awaiting = selectors.awaiting_approval(order)
    context = {
        "steps": selectors.progress(order),
        "headline": selectors.headline(order),
        "promise": promise,
        "promise_moved": selectors.promise_moved(order),
        "on_time": selectors.on_time(order, promise, timezone.now()),
        "lines": selectors.customer_lines(order),
        # Not the approval link: whoever holds the progress link (printed on the order, shown to
        # every role on the order page) could decide through it. The customer has it by text.
        "awaiting": awaiting,
        "cancelled": order.state == "cancelled",
    }
    return _render(request, "portal/status.html", order, context, lang)


@customer_page
@require_http_methods(["GET", "POST"])
def approval(request, token: str, lang):
    order, current = _approval_order(token)
    if not current:
        return _out_of_date(request, order, lang)
    # A member of staff signed in on this device: the page shows the items, never the choice.
    staff_note = (
        _(
            "You are signed in as staff: only the customer decides on this page. Record a decision "
            "they told you on the repair order's page."
        )
        if request.user.is_authenticated
        else ""
    )
    chosen, problem, code = {}, "", 200
    if request.method == "POST" and staff_note:
        code = 403
    elif request.method == "POST":
        chosen = {
            int(k[9:]): v for k, v in request.POST.items() if k.startswith("decision_") and k[9:].isdigit()
        }
        version = request.POST.get("version", "")
        try:
            services.customer_decide(
                order_id=order.pk, approval_round=order.approval_round, decisions=chosen,
                version=int(version) if version.isdigit() else None, ip=client_ip(request) or "",
            )  # fmt: skip
        except Conflict as exc:
            if exc.field == "approval_round":  # asked again meanwhile: this link is out of date
                return _out_of_date(request, selectors.order_for_link(order.pk), lang)
            code = 409
            order = selectors.order_for_link(order.pk)
            if exc.field == "version":
                problem = _("The items changed while you were deciding: please look at them again.")
            else:
                problem = _("Your decision had already been recorded; nothing was changed.")
        except DomainError as exc:
            code, problem = 400, str(exc.message)
        else:
            return redirect(f"{request.path}?done=1" + (f"&lang={lang}" if lang else ""))
    lines = selectors.customer_lines(order)
    awaiting = selectors.awaiting_approval(order)
    shots = selectors.finding_photos(order) if awaiting else {}
    context = {
        "awaiting": awaiting,
        "proposed": [
            (ln, chosen.get(ln.pk, ""), _photo_links(token, shots.get(ln.pk, []))) for ln in lines["proposed"]
        ],
        "proposed_total": sum((ln.amount for ln in lines["proposed"]), 0),
        "agreed_total": lines["agreed_total"],
        "problem": problem,
        "done": request.GET.get("done") == "1" and not awaiting,
        "decision": None if awaiting else selectors.last_decision(order),
        "status_path": links.status_path(order),
        "staff_note": staff_note,
    }
    return _render(request, "portal/approval.html", order, context, lang, status=code)


def _out_of_date(request, order, lang):
    """An approval link of an earlier round: 410, the store's phone and the progress page; no
    item, no choice."""
    context = {"out_of_date": True, "status_path": links.status_path(order)}
    return _render(request, "portal/approval.html", order, context, lang, status=410)


def _photo_links(token: str, shots) -> list[dict]:
    """Each photo's addresses under the customer's own link: they open only with it."""
    return [
        {
            "full": reverse("portal:approval_photo", args=[token, p.pk]),
            "small": reverse("portal:approval_photo_small", args=[token, p.pk]),
        }
        for p in shots
    ]


THUMB_PX = 480  # the longer side of a thumbnail: sharp at 2x on a phone, a few dozen kB


@require_http_methods(["GET", "HEAD"])
def approval_photo(request, token: str, photo_id: int, small: bool = False):
    """The technician's photo of an extra item, opened from the approval page. The link's token
    is the only key (no login): forged, expired or another order's token, or a photo of another
    order or of an item that is not extra work, all answer 404, the same as a missing photo; so
    does a link of an earlier approval round."""
    order, current = _approval_order(token)
    if not current:
        raise Http404()
    shot = selectors.finding_photo(order, photo_id)
    if shot is None:
        raise Http404()
    try:
        if small:
            response = HttpResponse(_thumbnail(shot), content_type="image/jpeg")
        else:
            response = FileResponse(shot.image.open("rb"), content_type=shot.content_type)
    except (OSError, ValueError, Image.DecompressionBombError):
        raise Http404() from None
    # Not kept by the browser: once the link expires, the photo is gone from the phone too.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _thumbnail(shot) -> bytes:
    """A small JPEG of the photo, turned upright as the camera held it, without its metadata."""
    with shot.image.open("rb") as handle, Image.open(handle) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail((THUMB_PX, THUMB_PX))
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


# --- Staff: from the order page ------------------------------------------------------------------


def _back(request, order_id: int, notice: str = "", error: str = ""):
    """htmx: the links panel again, with the outcome, and the order's messages (swapped out of
    band: the text just queued shows there); otherwise back to the order page."""
    if request.headers.get("HX-Request"):
        order = workshop_selectors.order_get(request.tenant, order_id)
        context = {"order": order, "notice": notice, "error": error}
        html = render_to_string("portal/_order_links.html", context, request)
        html += render_to_string("portal/_order_messages.html", {"order": order, "oob": True}, request)
        return HttpResponse(html, status=200 if not error else 400)
    if notice:
        messages.success(request, notice)
    if error:
        messages.error(request, error)
    return redirect("workshop:detail", pk=order_id)


@tenant_required
@require_POST
def link_send(request, order_id: int):
    """Text the customer their progress link, or the approval link."""
    try:
        message = services.link_send(
            tenant=request.tenant, order_id=order_id, kind=request.POST.get("kind", "")
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        return _back(request, order_id, error=str(exc.message))
    return _back(
        request, order_id, notice=_("Text message to %(mobile)s queued.") % {"mobile": message.address}
    )


@tenant_required
@require_POST
def delay_announce(request, order_id: int):
    """A new promised time, texted to the customer."""
    raw = request.POST.get("new_promised_at", "")
    try:
        when = aware(parse_datetime(raw), request.tenant) if raw else None
    except ValueError:
        when = None
    try:
        change = services.order_delay_announce(
            tenant=request.tenant,
            order_id=order_id,
            new_promised_at=when,
            reason=request.POST.get("reason", ""),
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        text = "；".join(str(e["message"]) for e in exc.errors) or str(exc.message)
        return _back(request, order_id, error=text)
    local = timezone.localtime(change.promised_at, ZoneInfo(request.tenant.store.time_zone))
    return _back(
        request,
        order_id,
        notice=_("New promised time %(t)s told to the customer.") % {"t": f"{local:%m-%d %H:%M}"},
    )
