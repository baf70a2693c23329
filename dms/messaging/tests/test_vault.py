"""The providers' secrets are kept sealed in the database (dms/messaging/vault.py), and the
providers still sign with them (the fakes of Alibaba Cloud and Tencent Cloud check the signatures
in test_channels.py)."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from dms.messaging import vault
from dms.messaging.models import ChannelConfig

from .conftest import aliyun_config


def _stored(config) -> dict:
    """The settings as the database holds them (what a copy of it would show)."""
    import json

    with connection.cursor() as cursor:
        cursor.execute("SELECT settings FROM messaging_channelconfig WHERE id = %s", [config.pk])
        value = cursor.fetchone()[0]
    return json.loads(value) if isinstance(value, str) else value


def test_a_secret_is_sealed_in_the_database_and_opened_for_the_provider(store, aliyun):
    config = aliyun_config(store, aliyun)

    stored = _stored(config)
    assert stored["access_key_secret"].startswith("enc:v1:") and "aliyun-secret" not in str(stored)
    assert stored["access_key_id"] == "LTAI-test"  # what is not a secret stays readable
    assert ChannelConfig.objects.get(pk=config.pk).plain_settings["access_key_secret"] == "aliyun-secret"


def test_saving_again_does_not_seal_twice(store, aliyun):
    config = aliyun_config(store, aliyun)
    config.save()
    config.refresh_from_db()

    assert config.plain_settings["access_key_secret"] == "aliyun-secret"


def test_a_plain_secret_written_before_is_read_as_it_is_and_sealed_by_the_migration(store, aliyun):
    config = aliyun_config(store, aliyun)
    ChannelConfig.objects.filter(pk=config.pk).update(
        settings={**config.settings, "access_key_secret": "old-plain"}
    )
    assert ChannelConfig.objects.get(pk=config.pk).plain_settings["access_key_secret"] == "old-plain"

    from importlib import import_module

    from django.apps import apps

    import_module("dms.messaging.migrations.0002_seal_provider_secrets").seal(apps, None)

    assert _stored(config)["access_key_secret"].startswith("enc:v1:")
    assert ChannelConfig.objects.get(pk=config.pk).plain_settings["access_key_secret"] == "old-plain"


def test_keys_rotate_and_a_missing_key_says_so(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DMS_SECRETS_KEY = old
    sealed = vault.seal("s3cret")

    settings.DMS_SECRETS_KEY = f"{new},{old}"  # rotating: the new one seals, the old one still opens
    assert vault.unseal(sealed) == "s3cret"
    assert vault.unseal(vault.seal("next")) == "next"

    settings.DMS_SECRETS_KEY = new  # the old key dropped too early
    with pytest.raises(ImproperlyConfigured, match="DMS_SECRETS_KEY"):
        vault.unseal(sealed)
