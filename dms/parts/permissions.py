"""Who may do what with parts. The codes are dms.core.roles.Perm's (its role table says who holds
them); services check them with `tenant.require(...)` or `require_any(...)`."""

from django.utils.translation import gettext as _

from dms.core.errors import Forbidden
from dms.core.roles import Perm

PARTS_VIEW = Perm.PARTS_VIEW  # everyone in the workshop: look up parts and stock
PARTS_MANAGE = Perm.PARTS_MANAGE  # catalogue, goods in, count corrections
PARTS_ISSUE = Perm.PARTS_ISSUE  # issue to and take back from repair orders

# Reserving parts is part of booking an appointment and of quoting a repair order (DOMAIN.md, steps
# 1 and 3): whoever books or edits those, or keeps the stock, may hold and release parts.
RESERVE = (Perm.APPOINTMENT_BOOK, Perm.RO_EDIT, PARTS_ISSUE, PARTS_MANAGE)


def require_any(tenant, perms) -> None:
    if not any(tenant.can(p) for p in perms):
        raise Forbidden(_("Your role does not allow this."))


def can_reserve(tenant) -> bool:
    return any(tenant.can(p) for p in RESERVE)
