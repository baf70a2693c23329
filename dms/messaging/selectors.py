"""Reads of messaging: the messages of a customer or of a record, for pages and the API."""

from django.db.models import Q

from dms.core.tenancy import Tenant

from .models import Message


def message_list(tenant: Tenant, *, customer_id: int | None = None, state: str | None = None):
    """The group's messages, newest first (a customer is the group's: so are their messages)."""
    qs = Message.objects.for_tenant(tenant).select_related("store", "by")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if state:
        qs = qs.filter(state=state)
    return qs


def messages_for(
    tenant: Tenant, customer_id: int | None = None, subject: tuple[str, int] | None = None, *, limit: int = 50
) -> list[Message]:
    """The messages to a customer, or about a record (subject=("repair_order", id)), newest first,
    in one query."""
    qs = Message.objects.for_tenant(tenant).select_related("store")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if subject is not None:
        qs = qs.filter(subject_type=subject[0], subject_id=subject[1])
    return list(qs.order_by("-created_at", "-id")[:limit])


def messages_quoting(customer, *, names: list[str], contacts: list[str]):
    """Texts to another customer's file that quote this person's mobile, WeChat id or e-mail, or went
    to one of them (dms.customers.privacy.register_mentions: listed by their data export, scrubbed
    by their erasure). Not by name: names are too common to find one person in others' texts."""
    if not contacts:
        return Message.objects.none()
    quoting = Q()
    for contact in contacts:
        quoting |= Q(body__contains=contact) | Q(address=contact)
    return Message.objects.filter(group_id=customer.group_id).exclude(customer_id=customer.pk).filter(quoting)
