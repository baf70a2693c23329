"""When the demo's new car was handed over (dms/demo/relationships.py): in the showroom's hours,
whatever the time the demo is loaded."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dms.demo.relationships import delivery_time

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("loaded", "delivered"),
    [
        (_at(8, 14, 0), _at(8, 11, 50)),  # in the afternoon: two hours and ten minutes before
        (_at(8, 11, 10), _at(8, 9, 0)),  # the first moment it fits the morning
        (_at(8, 20, 10), _at(8, 18, 0)),  # the last moment it fits the evening
        (_at(8, 23, 32), _at(8, 16, 0)),  # at night: this afternoon, not 21:22
        (_at(8, 20, 11), _at(8, 16, 0)),
        (_at(8, 9, 10), _at(7, 16, 0)),  # before the morning's first fits: yesterday afternoon
        (_at(8, 1, 0), _at(7, 16, 0)),  # after midnight: yesterday afternoon, not 22:50
    ],
)
def test_the_new_car_is_handed_over_in_the_showrooms_hours(loaded, delivered):
    assert delivery_time(loaded, SHANGHAI) == delivered


def test_the_delivery_time_is_the_stores_local_time_whatever_the_clocks_zone():
    loaded = _at(8, 23, 32).astimezone(ZoneInfo("UTC"))  # 15:32 UTC

    assert delivery_time(loaded, SHANGHAI) == _at(8, 16, 0)
