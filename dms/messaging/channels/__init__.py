"""The providers behind the one interface of base.py, chosen per store and channel."""

from ..models import CHANNEL_PROVIDERS as CHANNELS
from ..models import ChannelConfig
from ..models import Provider as ProviderName
from .aliyun import AliyunSms
from .base import LookupUnsupported, Provider, SendFailed, Sent
from .email import Smtp
from .recording import Recording, recorded_note
from .tencent import TencentSms
from .wechat import WeChatTemplate

PROVIDERS: dict[str, type[Provider]] = {
    ProviderName.RECORDING: Recording,
    ProviderName.SMTP: Smtp,
    ProviderName.ALIYUN: AliyunSms,
    ProviderName.TENCENT: TencentSms,
    ProviderName.WECHAT: WeChatTemplate,
}


def config_for(store_id: int, channel: str) -> ChannelConfig | None:
    return ChannelConfig.objects.filter(store_id=store_id, channel=channel, active=True).first()


def provider_for(store_id: int, channel: str) -> Provider:
    """The provider a store sends `channel` messages with: its active ChannelConfig, else the
    recording channel."""
    config = config_for(store_id, channel)
    if config is None or config.provider not in CHANNELS.get(channel, ()):
        return Recording(None)
    return PROVIDERS[config.provider](config)


__all__ = [
    "CHANNELS", "PROVIDERS", "LookupUnsupported", "Provider", "SendFailed", "Sent", "config_for",
    "provider_for", "recorded_note",
]  # fmt: skip
