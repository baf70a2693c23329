"""What the warranty claims' API (api.py) and the insurance claims' (api_insurance.py) share: money
as the API writes it, a claim's timeline, and serving one of a claim's stored files (a warranty
claim's photo, an insurer's document) to the store's users."""

from decimal import Decimal

from django.http import FileResponse, Http404
from django.utils.cache import add_never_cache_headers

from dms.core.errors import NotFound


def money(d: Decimal | None) -> str | None:
    """An amount as the API writes it ("1280.00"), None as null."""
    return None if d is None else f"{d:.2f}"


# --- The timeline ------------------------------------------------------------------------------------


def history_out(claim) -> list[dict]:
    """The claim's timeline (its `history`: ClaimEvent or InsuranceEvent rows), oldest first."""
    return [
        {"at": e.at, "by": str(e.by) if e.by_id else None, "action": e.action, "from_state": e.from_state,
         "to_state": e.to_state, "reason": e.reason, "data": e.data}
        for e in claim.history.select_related("by")
    ]  # fmt: skip


# --- A stored file ------------------------------------------------------------------------------------


def one_of(rows, pk: int):
    """The row `pk` among the claim's `rows` (its photos or documents, already read): 404 (the API's
    error body) when it is not one of them."""
    row = next((r for r in rows if r.pk == pk), None)
    if row is None:
        raise NotFound()
    return row


def file_response(field_file, content_type: str) -> FileResponse:
    """A stored file, never cached; 404 when it is gone from the storage."""
    try:
        response = FileResponse(field_file.open("rb"), content_type=content_type)
    except OSError:
        raise Http404() from None
    add_never_cache_headers(response)
    return response
