"""One workflow kit for every record that has states (repair orders, appointments, and later leads,
quotations, sales orders, complaints).

A record's app declares its steps once, as a table, and gets from the kit the one function that
applies them and the list of steps possible now (the page's buttons, the API's 409 answer):

    ORDER = Workflow(
        model=RepairOrder,
        transitions=[
            Transition("sign", [State.DRAFT], State.SIGNED, event="signed", perm=Perm.RO_EDIT,
                       stamp="signed_at", label=gettext_lazy("Customer signs")),
            Transition("cancel", [State.DRAFT, State.SIGNED], State.CANCELLED, event="cancelled",
                       perm=Perm.RO_EDIT, stamp="cancelled_at", label=gettext_lazy("Cancel"),
                       needs_reason=gettext_lazy("Say why the order is cancelled.")),
        ],
        history=write_history_row,             # the record's own timeline (RepairOrderEvent)
        not_allowed_message=gettext_lazy("“%(action)s” is not possible while the order is “%(state)s”."),
    )
    order = ORDER.apply(tenant=tenant, pk=order_id, action="sign", version=3, effect=check_lines)

A transition names: the `action` (the URL's and the button's name), its `sources` and `target`
states, the `event` it publishes (past tense: the event type is `<record>.<event>`, the record's
short name being its model's `event_name`, e.g. `repair_order.signed`), the permission it needs,
the time-stamp field it sets, its button's `label` (and `done`, what the history says), whether
it `needs_reason` (the message asking for one), and `when`: a further condition on the record
and the time (an appointment is a no-show only after its start), with `when_refusal` saying why.

`Workflow.apply` does, in one transaction:
  1. lock the record (select_for_update through the tenancy: another store's record is NotFound);
  2. check the step: allowed in the record's state (and `when`) → else Conflict (409) with the
     state and the allowed actions; the version the client read → else Conflict; the tenant's
     permission → else Forbidden; the reason when one is needed → else DomainError on `reason`;
  3. run the step's `effect(record)`: the step's own checks and changes (raise DomainError to
     refuse; return a dict kept on the history and the event; "_fields" lists the fields it set);
  4. set the target state, the time stamp and version + 1, and save with update_fields;
  5. write the record's history row (`history(record, action=, from_state=, to_state=, actor=,
     at=, reason=, data=)`: each record keeps its own timeline table);
  6. publish ONE core event (dms.core.events.publish) with the payload
     {"from_state", "to_state", "version", "reason"?, **data, **describe(record)}; keys listed in
     `private` (a customer's IP address) stay on the history, off the event.
Callers that must lock and check first themselves (a reschedule books the new appointment between
check and step) use `lock`, `check` and `step` in their own transaction.

Creations that are not transitions (an appointment booked, an order opened, a check-in signed)
publish their event with dms.core.events.publish directly, in the creating transaction.
"""

from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .errors import Conflict, DomainError, Forbidden, stale_version
from .events import publish
from .tenancy import Tenant, get_scoped

Effect = Callable[[object], dict | None]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    _: KW_ONLY
    event: str  # the past tense: "<record>.<event>" is the published type
    perm: str | None = None
    stamp: str | None = None
    label: Promise | str = ""
    done: Promise | str | None = None  # default: the label
    needs_reason: Promise | str | None = None  # the message asking for the reason
    when: Callable[[object, datetime], bool] | None = None
    when_refusal: Promise | str | None = None

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))
        if self.done is None:
            object.__setattr__(self, "done", self.label)

    def possible(self, record, state: str, now: datetime) -> bool:
        return state in self.sources and (self.when is None or self.when(record, now))


History = Callable[..., object]


@dataclass
class Workflow:
    model: type
    transitions: Iterable[Transition]
    history: History
    not_allowed_message: Promise | str
    describe: Callable[[object], dict] | None = None  # what every event of the record carries
    private: tuple[str, ...] = ()  # data keys kept off the event
    state_field: str = "state"
    version_field: str = "version"
    updated_field: str | None = "updated_at"
    table: dict[str, Transition] = field(init=False)

    def __post_init__(self):
        self.table = {t.action: t for t in self.transitions}
        self.transitions = tuple(self.table.values())
        self.event_name = (
            getattr(self.model, "event_name", None) or self.model._meta.model_name
        )  # as events.subject_name

    # --- Reading the table ---------------------------------------------------------------------

    def __getitem__(self, action: str) -> Transition:
        return self.table[action]

    def __contains__(self, action: str) -> bool:
        return action in self.table

    def state_of(self, record) -> str:
        return getattr(record, self.state_field)

    def allowed_actions(
        self, record, tenant: Tenant | None = None, *, now: datetime | None = None
    ) -> list[str]:
        """Steps possible in the record's state now (and, given a tenant, that its role may take)."""
        now = now or timezone.now()
        state = self.state_of(record)
        return [
            t.action
            for t in self.transitions
            if t.possible(record, state, now) and (tenant is None or t.perm is None or tenant.can(t.perm))
        ]

    def not_allowed(self, record, action: str, *, now: datetime | None = None) -> Conflict:
        """The 409 answer: why not, the state and the steps possible now."""
        now = now or timezone.now()
        t = self.table.get(action)
        if t is not None and self.state_of(record) in t.sources and t.when_refusal:
            message = t.when_refusal
        else:
            state = getattr(record, f"get_{self.state_field}_display")()
            message = self.not_allowed_message % {"action": action, "state": state}
        return Conflict(
            message, state=self.state_of(record), allowed_actions=self.allowed_actions(record, now=now)
        )

    # --- Applying a step ----------------------------------------------------------------------

    def lock(self, tenant: Tenant, pk, queryset=None):
        """The record of the tenant's store, locked for the transaction (NotFound otherwise)."""
        qs = self.model.objects if queryset is None else queryset
        return get_scoped(qs.select_for_update(), tenant, pk=pk)

    def check(
        self, record, action: str, *, tenant: Tenant | None, version: int | None = None, reason: str = "",
        now: datetime | None = None,
    ) -> Transition:  # fmt: skip
        """Raise unless `action` may be taken now: state (409), version (409), permission (403),
        reason (400, on the field `reason`)."""
        now = now or timezone.now()
        t = self.table.get(action)
        if t is None or not t.possible(record, self.state_of(record), now):
            raise self.not_allowed(record, action, now=now)
        current = getattr(record, self.version_field)
        if version is not None and version != current:
            raise stale_version(current)
        if tenant is not None and t.perm is not None and not tenant.can(t.perm):
            raise Forbidden(_("Your role does not allow “%(action)s”.") % {"action": t.label})
        if t.needs_reason and not (reason or "").strip():
            raise DomainError(t.needs_reason, field="reason")
        return t

    def step(
        self, record, action: str, *, actor, store=None, reason: str = "", effect: Effect | None = None,
        data: dict | None = None, now: datetime | None = None,
    ):  # fmt: skip
        """Apply a checked step to a locked record, inside the caller's transaction: effect, state,
        stamp, version, save, history row, event."""
        t = self.table[action]
        now = now or timezone.now()
        source = self.state_of(record)
        extra = dict((effect(record) if effect else None) or {})
        fields = [self.state_field, self.version_field]
        if self.updated_field:
            fields.append(self.updated_field)
        setattr(record, self.state_field, t.target)
        setattr(record, self.version_field, getattr(record, self.version_field) + 1)
        if t.stamp:
            setattr(record, t.stamp, now)
            fields.append(t.stamp)
        fields += extra.pop("_fields", [])
        record.save(update_fields=list(dict.fromkeys(fields)))
        reason = (reason or "").strip()
        data = {**(data or {}), **extra}
        self.history(
            record, action=action, from_state=source, to_state=t.target, actor=actor, at=now, reason=reason,
            data=data,
        )  # fmt: skip
        payload = {
            "from_state": source,
            "to_state": t.target,
            "version": getattr(record, self.version_field),
            **({"reason": reason} if reason else {}),
            **{k: v for k, v in data.items() if k not in self.private},
            **(self.describe(record) if self.describe else {}),
        }
        publish(
            type=f"{self.event_name}.{t.event}", store=store if store is not None else record.store,
            subject=record, actor=actor, payload=payload, at=now,
        )  # fmt: skip
        return record

    def apply(
        self, *, tenant: Tenant, pk, action: str, version: int | None = None, reason: str = "",
        effect: Effect | None = None, data: dict | None = None, queryset=None, now: datetime | None = None,
    ):  # fmt: skip
        """Lock, check and step, in one transaction (see the module doc); returns the record."""
        with transaction.atomic():
            record = self.lock(tenant, pk, queryset)
            now = now or timezone.now()
            self.check(record, action, tenant=tenant, version=version, reason=reason, now=now)
            return self.step(
                record, action, actor=tenant.user, store=tenant.store, reason=reason, effect=effect, data=data,
                now=now,
            )  # fmt: skip
