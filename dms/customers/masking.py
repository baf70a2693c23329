"""What of a customer's contact data a role may see: decided here, once, for every answer and page.

A role without Perm.CUSTOMER_SEE_CONTACT (technician, foreman, QC inspector, parts clerk) sees
every contact field masked, in the API as on the pages:

- mobile: its first 3 and last 4 digits (138****5678), as the front desk reads it out;
- phone2, wechat, email, address, notes: "****" when set, "" when not (the schema stays a string);
- birthday: null (a masked date means nothing).

Searching by a mobile beyond what the mask shows (a full number, or more than its last 4 digits)
needs the same right: see selectors.search_hits. Free text that may hold contact data (a contact's
summary) has the mobiles and e-mail addresses in it masked: mask_text.
"""

import re

from dms.core.roles import Perm
from dms.core.tenancy import Tenant

from .rules import mask_mobile

HIDDEN = "****"
# The customer's contact fields, each masked below; their names in the model and the API.
CONTACT_FIELDS = ("mobile", "phone2", "wechat", "email", "address", "birthday", "notes")
# A role without the right may search by at most this many last digits of a mobile: the mask shows them.
MASKED_TAIL = 4


def can_see_contact(tenant: Tenant | None) -> bool:
    return tenant is not None and tenant.can(Perm.CUSTOMER_SEE_CONTACT)


def masked_value(field: str, value):
    """`value` of the contact field `field` as a role without the right sees it."""
    if field == "mobile":
        return mask_mobile(value or "")
    if field == "birthday":
        return None
    return HIDDEN if value else ""


def contact_of(tenant: Tenant | None, values) -> dict:
    """The contact fields of `values` (a Customer or a dict of its fields), masked unless the
    tenant's role may see them."""
    get = values.get if isinstance(values, dict) else lambda f: getattr(values, f)
    see = can_see_contact(tenant)
    return {f: get(f) if see else masked_value(f, get(f)) for f in CONTACT_FIELDS}


# What in free text (a contact's summary, a note typed by staff) is contact data: a mainland mobile
# (with or without +86 and spaces) or an e-mail address.
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_text(tenant: Tenant | None, text: str) -> str:
    """Free text with the mobiles and e-mail addresses in it masked, for a role without the right."""
    if not text or can_see_contact(tenant):
        return text
    text = _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _EMAIL_IN_TEXT.sub(HIDDEN, text)


def mask_changes(tenant: Tenant | None, changes: dict) -> dict:
    """An audit diff ({field: [old, new]}) with contact fields' values hidden from such roles."""
    if can_see_contact(tenant):
        return changes
    return {k: [HIDDEN if x else x for x in v] if k in CONTACT_FIELDS else v for k, v in changes.items()}


def redactor(tenant: Tenant | None):
    """For dms.core.audit.timeline_for: hides a customer's contact data in its audit diffs."""
    from .models import Customer

    def redact(model, changes: dict) -> dict:
        return mask_changes(tenant, changes) if model is Customer else changes

    return redact
