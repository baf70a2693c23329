"""The providers' secrets (an SMS account's key secret, a WeChat app secret, an SMTP password) are
kept encrypted in the database: a copy of the database, a backup or a look at the admin's change
form does not give them away.

They are sealed with Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` package) under
DMS_SECRETS_KEY: one key, or several separated by commas to rotate (the first seals; every one
opens). Without it, the key is derived from DJANGO_SECRET_KEY (HKDF-SHA256): set DMS_SECRETS_KEY
in production so that rotating the site's secret key does not lock the secrets away
(`manage.py shell -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
A sealed value reads "enc:v1:<token>"; a plain one (written before, or typed in the admin) is sealed
at the next save and read as it is until then.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc:v1:"
# The settings of ChannelConfig that are secrets, whatever the provider.
SECRET_FIELDS = frozenset({"access_key_secret", "secret_key", "app_secret", "password"})


def _derived() -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dms.messaging.vault", info=b"provider secrets")
    return base64.urlsafe_b64encode(key.derive(settings.SECRET_KEY.encode()))


def _box() -> MultiFernet:
    keys = [k.strip() for k in (settings.DMS_SECRETS_KEY or "").split(",") if k.strip()]
    try:
        return MultiFernet([Fernet(k) for k in keys] or [Fernet(_derived())])
    except ValueError:
        raise ImproperlyConfigured(
            "DMS_SECRETS_KEY must be Fernet keys (32 url-safe base64-encoded bytes), separated by commas."
        ) from None


def seal(value):
    if not isinstance(value, str) or not value or value.startswith(PREFIX):
        return value
    return PREFIX + _box().encrypt(value.encode()).decode()


def unseal(value):
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return value
    try:
        return _box().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A provider secret cannot be opened with DMS_SECRETS_KEY: the key it was sealed with is missing "
            "(keep the old key after the new one in DMS_SECRETS_KEY while rotating), or it was altered."
        ) from None


def sealed(values: dict) -> dict:
    return {k: seal(v) if k in SECRET_FIELDS else v for k, v in (values or {}).items()}


def opened(values: dict) -> dict:
    return {k: unseal(v) if k in SECRET_FIELDS else v for k, v in (values or {}).items()}
