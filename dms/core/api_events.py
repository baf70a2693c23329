"""/api/v1/events: the store's event log, in order, for integrators (API.md, "Events, messages
and webhooks"). A client remembers the last id it read and asks for what came after it."""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from .errors import DomainError
from .events import PATTERN
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
    after: int = Field(0, ge=0, description="The last id you read: events after it are answered.")
    type: str = Field(
        "", max_length=60, description="An event type (repair_order.delivered) or a record's: repair_order.*"
    )
    limit: int = Field(100, ge=1, le=500)


@router.get("", response=EventPage)
def event_list(request, params: Query[EventParams]):
    """The events of your current store after `after`, oldest first: page on with the last id."""
    t = request.auth
    t.require(Perm.EVENTS_READ)
    qs = Event.objects.for_tenant(t).filter(id__gt=params.after)
    if params.type:
        if not PATTERN.match(params.type) or params.type == "*":
            message = _("Give an event type such as repair_order.delivered, or repair_order.*.")
            raise BadQuery(message, field="type")
        if params.type.endswith(".*"):
            qs = qs.filter(type__startswith=params.type[:-1])
        else:
            qs = qs.filter(type=params.type)
    count = qs.count()
    rows = (
        qs.order_by("id").values("id", "type", "at", "subject_id", "payload")[: params.limit] if count else []
    )
    code = t.store.code
    return {"count": count, "items": [{**row, "store": code} for row in rows]}
