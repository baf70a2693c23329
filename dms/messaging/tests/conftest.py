from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dms.messaging import outbox
from dms.messaging.models import Channel, ChannelConfig, Provider

from .fakes import FakeAliyun, FakeTencent, FakeWeChat, Receiver

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALIYUN_TEMPLATES = {"SMS_100001": ["name", "plate", "number", "url"], "SMS_100009": ["text"]}
TENCENT_TEMPLATES = {"2000001": 4, "2000009": 1}
WECHAT_TEMPLATES = {"TPL-STATUS": ["first", "car", "number"]}


def at(hh, mm=0, day=4):
    """A moment on Monday 2026-05-04 (Shanghai)."""
    return datetime(2026, 5, day, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(at(10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def send():
    """One pass of a worker."""
    return outbox.run


@pytest.fixture
def aliyun():
    fake = FakeAliyun(access_key_id="LTAI-test", secret="aliyun-secret", templates=ALIYUN_TEMPLATES,
                      sign_name="深圳一店").start()  # fmt: skip
    yield fake
    fake.stop()


@pytest.fixture
def tencent():
    fake = FakeTencent(secret_id="AKID-test", secret_key="tencent-secret", sdk_app_id="1400000001",
                       templates=TENCENT_TEMPLATES, sign_name="深圳一店").start()  # fmt: skip
    yield fake
    fake.stop()


@pytest.fixture
def wechat():
    fake = FakeWeChat(app_id="wx-test", app_secret="wechat-secret", templates=WECHAT_TEMPLATES).start()
    yield fake
    fake.stop()


@pytest.fixture
def receiver(settings):
    # The receiver listens on loopback: the installation's own network, allowed on purpose here.
    settings.DMS_WEBHOOK_ALLOW_PRIVATE = True
    fake = Receiver().start()
    yield fake
    fake.stop()


def aliyun_config(store, fake, **extra) -> ChannelConfig:
    return ChannelConfig.objects.create(
        store=store, channel=Channel.SMS, provider=Provider.ALIYUN, inbound_token="replies-token",
        settings={
            "access_key_id": "LTAI-test", "access_key_secret": "aliyun-secret", "sign_name": "深圳一店",
            "endpoint": fake.url,
            "templates": {"status_link": {"code": "SMS_100001", "params": ["name", "plate", "number", "url"]},
                          "note": {"code": "SMS_100009", "params": ["text"]}},
            **extra,
        },
    )  # fmt: skip


def tencent_config(store, fake) -> ChannelConfig:
    return ChannelConfig.objects.create(
        store=store, channel=Channel.SMS, provider=Provider.TENCENT, inbound_token="replies-token",
        settings={
            "secret_id": "AKID-test", "secret_key": "tencent-secret", "sdk_app_id": "1400000001",
            "sign_name": "深圳一店", "endpoint": fake.url,
            "templates": {"status_link": {"id": "2000001", "params": ["name", "plate", "number", "url"]},
                          "note": {"id": "2000009", "params": ["text"]}},
        },
    )  # fmt: skip


def wechat_config(store, fake) -> ChannelConfig:
    return ChannelConfig.objects.create(
        store=store, channel=Channel.WECHAT, provider=Provider.WECHAT,
        settings={
            "app_id": "wx-test", "app_secret": "wechat-secret", "endpoint": fake.url,
            "templates": {"status_link": {"id": "TPL-STATUS", "fields": {"first": "name", "car": "plate",
                                                                          "number": "number"}}},
        },
    )  # fmt: skip


STATUS = {"plate": "粤B12345", "number": "SZ01-2026-00001", "url": "https://dms.example.cn/c/s/abc/"}
