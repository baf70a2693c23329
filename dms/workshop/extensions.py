"""What the apps above the workshop add to its pages and printed documents.

The workshop stands below reception, packages, portal and followups (STYLE.md's floors) and
imports none of them. Where its pages show something one of them owns, that app registers a
contribution here in its AppConfig.ready(), and the workshop renders whatever is registered:

- `register_panel(slot, template=, context=, stylesheets=)`: a card on a workshop page. Slots:
  "order_top" / "order_main" / "order_side" on the repair order's page (the check-in sheet with
  its photos [reception]; maintenance packages and recommendations [packages]; the customer's
  links and texts [portal]), "list_top" on the list of orders (promises at risk [portal]).
  `context(tenant, order)` returns what the card's template reads, merged into the page's
  context, or None to leave the card out; a panel whose template finds its data through its own
  template tags needs no context.
- `register_printed_order(context=, template=)`: a part of the printed repair order
  (任务委托书): reception adds the walk-around of the check-in and the customer's signature
  image. `context(order)` returns the values; `template` (optional) is printed above the
  signature boxes.
- `register_printed_settlement(context=, template=)`: a part of the printed settlement list
  (维修结算清单), under who pays: claims prints the insurer's name and its report number where an
  insurer pays. `context(order)` returns the values, or None to print nothing.
- `register_timeline_labels({action: label})`: the words for history rows another app writes on
  the order (packages' "package-apply").
- `register_customer_link(url_for)`: the address of the customer's progress page, printed as the
  QR code. The portal owns it: the link is signed for the portal's page and the portal checks
  it, so the link maker stays with the page rather than moving down (it would leave the workshop
  naming a portal URL); `url_for(order, request)` answers it, None without the portal.
- `register_delivery_defaults(defaults)`: where the delivery form starts from: the customer's
  last answer about being followed up, which followups keeps. `defaults(order)` returns the
  form's starting points ({"last_consent": False}); without it, the form's own defaults.

Why a registry and not events: these are reads for a page being drawn now, not facts to react
to; the events (dms.core.events) carry what happened, this carries what to show.
The registry is filled at start-up; registering the same thing again (ready() run twice in
tests) replaces it rather than adding a second one.
"""

from collections.abc import Callable
from dataclasses import dataclass

SLOTS = ("order_top", "order_main", "order_side", "list_top")


@dataclass(frozen=True)
class Panel:
    slot: str
    template: str
    context: Callable | None = None  # (tenant, order) -> dict | None
    stylesheets: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrintedPart:
    context: Callable  # (order) -> dict
    template: str | None = None


_PANELS: dict[str, list[Panel]] = {slot: [] for slot in SLOTS}
_PRINTED: list[PrintedPart] = []
_PRINTED_SETTLEMENT: list[PrintedPart] = []
_LABELS: dict[str, object] = {}
_CUSTOMER_LINK: list[Callable] = []
_DELIVERY_DEFAULTS: list[Callable] = []


def _keep(registry: list, item, same) -> None:
    """Replace an equal registration, or add it."""
    for i, existing in enumerate(registry):
        if same(existing):
            registry[i] = item
            return
    registry.append(item)


def register_panel(slot: str, *, template: str, context: Callable | None = None, stylesheets=()) -> None:
    if slot not in SLOTS:
        raise ValueError(f"slot must be one of {SLOTS}, not {slot!r}")
    panel = Panel(slot, template, context, tuple(stylesheets))
    _keep(_PANELS[slot], panel, lambda p: p.template == template)


def register_printed_order(*, context: Callable, template: str | None = None) -> None:
    part = PrintedPart(context, template)
    _keep(_PRINTED, part, lambda p: p.context is context or (template and p.template == template))


def register_printed_settlement(*, context: Callable, template: str) -> None:
    part = PrintedPart(context, template)
    _keep(_PRINTED_SETTLEMENT, part, lambda p: p.template == template)


def register_timeline_labels(labels: dict) -> None:
    _LABELS.update(labels)


def register_customer_link(url_for: Callable) -> None:
    _CUSTOMER_LINK[:] = [url_for]


def register_delivery_defaults(defaults: Callable) -> None:
    _DELIVERY_DEFAULTS[:] = [defaults]


# --- What the workshop reads ----------------------------------------------------------------------


def panels(tenant, order, slots=SLOTS) -> dict:
    """The page's context from the registered panels: each card's values, `panels` (slot → the
    cards to include) and `panel_stylesheets`."""
    context: dict = {}
    shown: dict[str, list[Panel]] = {slot: [] for slot in slots}
    sheets: list[str] = []
    for slot in slots:
        for panel in _PANELS[slot]:
            values = panel.context(tenant, order) if panel.context else {}
            if values is None:
                continue
            context.update(values)
            shown[slot].append(panel)
            sheets += [s for s in panel.stylesheets if s not in sheets]
    return {**context, "panels": shown, "panel_stylesheets": sheets}


def printed_order(order) -> dict:
    """What the registered parts add to the printed repair order, with `printed_parts` (the
    templates to include)."""
    context: dict = {}
    templates = []
    for part in _PRINTED:
        context.update(part.context(order) or {})
        if part.template:
            templates.append(part.template)
    return {**context, "printed_parts": templates}


def printed_settlement(order) -> dict:
    """What the registered parts add to the printed settlement list, with `settlement_parts` (the
    templates to include; a part whose context is None prints nothing)."""
    context: dict = {}
    templates = []
    for part in _PRINTED_SETTLEMENT:
        values = part.context(order)
        if values is None:
            continue
        context.update(values)
        templates.append(part.template)
    return {**context, "settlement_parts": templates}


def timeline_labels() -> dict:
    return dict(_LABELS)


def customer_link(order, request=None) -> str | None:
    return _CUSTOMER_LINK[0](order, request) if _CUSTOMER_LINK else None


def delivery_defaults(order) -> dict:
    return (_DELIVERY_DEFAULTS[0](order) or {}) if _DELIVERY_DEFAULTS else {}
