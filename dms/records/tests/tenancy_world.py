"""The records app's part of the cross-group walks and the role matrix (tests/): a world's record is
that of its settled order, whose upload failed, in a store with a platform set (so that its
administrator's retry succeeds: the control of the walks)."""

from dms.core.roles import Perm

ANY_PLATFORM = {
    "base_url": "https://platform.example.cn",
    "company_code": "4403009999",
    "password": "walk-pass",
}


def _failed_record(store, order_id: int) -> int:
    from dms.records.models import PlatformSettings, RepairRecord, UploadState

    PlatformSettings.objects.get_or_create(store=store, defaults=ANY_PLATFORM)
    record = RepairRecord.objects.get(order_id=order_id)
    RepairRecord.objects.filter(pk=record.pk).update(
        state=UploadState.FAILED, reason="企业编码或密码错误", attempts=1, next_attempt_at=None
    )
    return record.pk


def record(world) -> int:
    if "repair_record" not in world.built:
        from dms.workshop.tests.tenancy_world import settled_order

        world.built["repair_record"] = _failed_record(world.tenant.store, settled_order(world))
    return world.built["repair_record"]


RECORDS: dict = {"record_id": record}
BODIES: dict = {}
PATH_VALUES: dict = {}
ROUTE_PERMS: dict = {
    ("GET", "/repair-records"): Perm.RO_VIEW,
    ("GET", "/repair-records/export"): Perm.RECORD_MANAGE,
    ("GET", "/repair-records/platform"): Perm.RECORD_MANAGE,
    ("PUT", "/repair-records/platform"): Perm.RECORD_MANAGE,
    ("GET", "/repair-records/{record_id}"): Perm.RO_VIEW,
    ("POST", "/repair-records/{record_id}/actions/retry"): Perm.RECORD_MANAGE,
}


def page_ids(vehicle, manager) -> dict:
    """A settled order of the vehicle and its failed record: /records/<record_id>/ and its retry;
    the owner's page (/records/r/<token>/) is walked with the id as a (forged) token."""
    from dms.records.tests.conftest import settle

    order_id = settle(manager, vehicle, complaint="保养", mileage=vehicle.mileage_km + 10)
    record_id = _failed_record(manager.store, order_id)
    return {"record_id": record_id, "records": record_id}
