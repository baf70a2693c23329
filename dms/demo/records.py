"""The demo dealership's electronic repair records (issue 15): every settled order of the service
loop has its record (built by the settle step, then dated with the order, as the service loop
backdates it); SZ01's were uploaded to the province's platform, but for two that failed (the
platform down for a night, and one it refused), so that the administrator's page and the order's
card show each state. SZ01 has a platform set but switched off: the demo never calls out (`make
run` has no network to a province), and records settled while playing are kept for upload by hand.
"""

from datetime import timedelta

from django.utils import timezone

from dms.core.models import Store
from dms.records.build import local_date, record_data
from dms.records.models import PlatformSettings, RepairRecord, UploadAttempt, UploadState

# Not a real platform: example.cn is reserved for documentation, and the setting is off.
DEMO_PLATFORM = {
    "base_url": "https://jt-platform.example.cn", "company_code": "4403000001", "password": "demo-not-a-password",
    "active": False,
}  # fmt: skip
FAILURES = [
    ("平台返回 HTTP 503（服务暂不可用），已重试 8 次。", 503, 8),
    ("平台拒收该记录：vehiclepartslist 中配件编码不能为空", 200, 1),
]


def load_demo_records() -> dict:
    now = timezone.now()
    for record in RepairRecord.objects.select_related("order", "order__store", "order__vehicle"):
        order = record.order
        settled_at = order.settled_at or now
        RepairRecord.objects.filter(pk=record.pk).update(
            data=record_data(order), settled_on=local_date(order, settled_at), created_at=settled_at,
        )  # fmt: skip
    store = Store.objects.get(code="SZ01")
    PlatformSettings.objects.get_or_create(store=store, defaults=DEMO_PLATFORM)
    records = list(
        RepairRecord.objects.filter(store=store).select_related("order").order_by("-order__settled_at", "-pk")
    )
    failed, sent = records[1 : 1 + len(FAILURES)], [records[0], *records[1 + len(FAILURES) :]]
    for record, (reason, status, attempts) in zip(failed, FAILURES, strict=False):
        at = (record.order.settled_at or now) + timedelta(minutes=5)
        RepairRecord.objects.filter(pk=record.pk).update(
            state=UploadState.FAILED,
            reason=reason,
            last_error=reason,
            attempts=attempts,
            next_attempt_at=None,
        )
        UploadAttempt.objects.create(record=record, at=at, outcome=UploadAttempt.Outcome.FAILED, http_status=status,
                                     message=reason)  # fmt: skip
    for n, record in enumerate(sent, start=1):
        at = (record.order.settled_at or now) + timedelta(minutes=2)
        RepairRecord.objects.filter(pk=record.pk).update(
            state=UploadState.SENT,
            attempts=1,
            sent_at=at,
            next_attempt_at=None,
            platform_record_id=f"44030{n:07d}",
        )
        UploadAttempt.objects.create(record=record, at=at, outcome=UploadAttempt.Outcome.SENT, http_status=200,
                                     message="上传成功")  # fmt: skip
    return {"records": len(records), "failed": len(failed), "uploaded": len(sent)}
