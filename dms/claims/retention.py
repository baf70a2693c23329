"""How long the claims' stored files are kept (dms/core/retention.py; registered in apps.py).

The files: a warranty claim's photos (the fault, the old part and its tag, the odometer) and an
insurance claim's documents (定损单, the vehicle and driving licences, the accident report, damage
photos, the policy, the invoice, the payee's bank details). They go, rows and files,
DMS_RETENTION_CLAIM_FILES_DAYS (default 3,650: ten years) after the claim was closed:

- a warranty claim once reimbursed (`paid_at`), rejected by the maker (`decided_at`) or cancelled
  (`cancelled_at`);
- an insurance claim once paid in full (`paid_at`) or cancelled (`cancelled_at`).

A claim still open (a draft, with the maker, approved and not paid yet, billed to an insurer that
has not paid everything) keeps its files whatever its age: the period starts when the money is
settled. Each claim whose files went gets a line in its history (by the system: "photo removed" /
"document removed", with the reason and what went), so that a reader of an old claim knows why its
photos or its documents are not there.

Why ten years: a claim is the evidence behind money booked (what the maker reimbursed, what the
insurer paid), and the tax rules keep "accounting books, vouchers, reports, invoices and other
tax-related materials" ten years (税收征收管理法实施细则 art. 29), longer than a maker's warranty audit
(its dealer contract: a few years), the limitation period of a civil claim (民法典 art. 188: three
years) and a tax reassessment (税收征收管理法 art. 52: five years at most, outside fraud). The
claim itself — its number, lines, amounts, the maker's decision, the insurer's payments and its
history — is an accounting record and is never swept (docs/security.md), nor is the repair order.
The files are not the store's vouchers: those (the invoice to the maker or the insurer, the bank's
receipt) are the finance department's, kept 30 years (会计档案管理办法, 2015) in its own archive. A
group whose finance files these scans as attachments to the vouchers sets the period to 10950
(thirty years). Meanwhile the insurer's documents carry the driver's and owner's personal data
(licence numbers): PIPL art. 19 wants them gone once no longer needed, so they are not kept for ever.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ClaimState, InsuranceState

SETTING = "DMS_RETENTION_CLAIM_FILES_DAYS"


def warranty_claim_closed(cutoff: datetime, prefix: str = "") -> Q:
    """Warranty claims closed before `cutoff` (paid, rejected or cancelled); `prefix` to reach the
    claim from a related row (e.g. "claim__")."""
    p = prefix
    return (
        Q(**{f"{p}state": ClaimState.PAID, f"{p}paid_at__lt": cutoff})
        | Q(**{f"{p}state": ClaimState.REJECTED, f"{p}decided_at__lt": cutoff})
        | Q(**{f"{p}state": ClaimState.CANCELLED, f"{p}cancelled_at__lt": cutoff})
    )


def insurance_claim_closed(cutoff: datetime, prefix: str = "") -> Q:
    """Insurance claims closed before `cutoff` (paid in full or cancelled)."""
    p = prefix
    return Q(**{f"{p}state": InsuranceState.PAID, f"{p}paid_at__lt": cutoff}) | Q(
        **{f"{p}state": InsuranceState.CANCELLED, f"{p}cancelled_at__lt": cutoff}
    )


@dataclass(frozen=True)
class Files:
    """A kind of claim file the sweep removes: its rows, the file field, the claim's history model,
    the history row's action and what it notes of the files that went."""

    select: Callable[[datetime], QuerySet]  # the rows past their period, given the cutoff
    field: str
    history: type[Model]
    action: str
    noted: tuple[str, ...]  # the rows' fields read for the note
    note: Callable[[list[tuple]], dict]


def _purge(files: Files) -> Callable[[datetime], int]:
    """retention.remove_files of the rows past their period, and one history row per claim."""
    from dms.core import retention

    remove = retention.remove_files(files.select, files.field, delete_rows=True)

    def purge(cutoff: datetime) -> int:
        rows = files.select(cutoff).exclude(**{files.field: ""}).values_list("claim_id", *files.noted)
        by_claim: dict[int, list[tuple]] = defaultdict(list)
        for claim_id, *values in rows:
            by_claim[claim_id].append(tuple(values))
        removed = remove(cutoff)
        if removed:
            now = timezone.now()
            reason = _("past its retention period (%(days)s days after the claim closed)") % {
                "days": getattr(settings, SETTING)
            }
            files.history.objects.bulk_create(
                files.history(claim_id=claim_id, at=now, by=None, action=files.action, reason=reason[:300],
                              data={"retention": True, **files.note(values)})
                for claim_id, values in by_claim.items()
            )  # fmt: skip
        return removed

    return purge


def register() -> None:
    """The two purges (retention.register): the rows and their stored files (removed after the
    commit), and a history row on each claim they were of."""
    from dms.core import retention

    from .models import ClaimEvent, ClaimPhoto, InsuranceDocument, InsuranceEvent

    photos = Files(
        select=lambda cutoff: ClaimPhoto.objects.filter(warranty_claim_closed(cutoff, "claim__")),
        field="image", history=ClaimEvent, action="photo-remove", noted=(),
        note=lambda values: {"photos": len(values)},
    )  # fmt: skip
    documents = Files(
        select=lambda cutoff: InsuranceDocument.objects.filter(insurance_claim_closed(cutoff, "claim__")),
        field="file", history=InsuranceEvent, action="document-remove", noted=("kind",),
        note=lambda values: {"documents": sorted(kind for (kind,) in values)},
    )  # fmt: skip
    retention.register("warranty_claim_photos", _purge(photos), days=SETTING)
    retention.register("insurance_documents", _purge(documents), days=SETTING)
