"""/api/v1/events: the store's event log, for integrators (API.md, "Events, messages and webhooks").

A client remembers the id of the last event it received and asks for what came after it
(`?after=<id>`; 0, the default, is the beginning). The order is commit order, the one in which the
log can only grow at its end, so paging on never misses an event:

- PostgreSQL hands out an id when a row is inserted, not when it commits: a transaction holding
  id 10 may commit after the one holding 11, and a reader that took 11 and asked after it would
  never see 10. So events are answered in the order of the transactions that wrote them (Event.txid,
  then id), and only those below the reading snapshot's xmin: every transaction below it has
  finished, and a new one gets a higher id, so no event can appear before them later. An event is
  answered once every write transaction that began before its own has finished (on the whole
  database server: a long transaction there holds the log back while it runs). Ids are therefore
  not always increasing from one item to the next: page with `after`, don't compare ids. A
  transaction that reads the log also sees the events it wrote itself (tests do).
- SQLite takes the database's one write lock for the whole of a write transaction, so ids are in
  commit order already (dms.core.models.CurrentTransactionId): txid stays null, the order is id.

An `after` that is not an event of the store is a 422 (a cursor from another store, or a made-up
one, would otherwise silently skip events or send them again).
"""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from .errors import DomainError
from .events import PATTERN, after, final
from .models import Event
from .roles import Perm

router = Router(tags=["events"])


class BadQuery(DomainError):
    """A query parameter the schema lets through but the log cannot answer."""

    status = 422


class EventOut(Schema):
    id: int
    type: str
    at: datetime
    store: str | None = Field(description="The store's code.")
    subject_id: int | None
    payload: dict


class EventPage(Schema):
    count: int = Field(description="Events after `after` (of `type`), of which `items` are the first.")
    items: list[EventOut]


class EventParams(Schema):
    after: int = Field(
        0,
        ge=0,
        description="The id of the last event you received (0: from the beginning): the events after it.",
    )
    type: str = Field(
        "", max_length=60, description="An event type (repair_order.delivered) or a record's: repair_order.*"
    )
    limit: int = Field(100, ge=1, le=500)


@router.get("", response=EventPage)
def event_list(request, params: Query[EventParams]):
    """The events of your current store after `after`, in commit order: page on with the last id
    you received."""
    t = request.auth
    t.require(Perm.EVENTS_READ)
    store_events = Event.objects.for_tenant(t)
    qs = store_events
    if params.type:
        if not PATTERN.match(params.type) or params.type == "*":
            message = _("Give an event type such as repair_order.delivered, or repair_order.*.")
            raise BadQuery(message, field="type")
        if params.type.endswith(".*"):
            qs = qs.filter(type__startswith=params.type[:-1])
        else:
            qs = qs.filter(type=params.type)
    if params.after:
        last = store_events.filter(id=params.after).values_list("txid", "id").first()
        if last is None:
            message = _(
                "There is no event %(id)s in this store's log: give the id of the last event you "
                "received, or 0 to start from the beginning."
            ) % {"id": params.after}
            raise BadQuery(message, field="after")
        qs = after(qs, *last)
    qs = final(qs)
    count = qs.count()
    rows = (
        qs.order_by("txid", "id").values("id", "type", "at", "subject_id", "payload")[: params.limit]
        if count
        else []
    )
    code = t.store.code
    return {"count": count, "items": [{**row, "store": code} for row in rows]}
