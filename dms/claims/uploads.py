"""Files sent to the claims' API and pages: multipart files, or JSON data URLs, as (bytes, caption)."""

import base64
import binascii
import json

from django.utils.translation import gettext as _
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BaseModel, ValidationError
from pydantic import Field as PydanticField

from dms.core.errors import DomainError

MAX_FILE_BYTES = 10 * 1024 * 1024


class DataUrlIn(BaseModel):
    data_url: str = PydanticField(description="data:image/jpeg;base64,… or data:application/pdf;base64,…")
    caption: str = PydanticField("", max_length=200)


class DataUrlsIn(BaseModel):
    items: list[DataUrlIn] = PydanticField(min_length=1, max_length=20)


def decode_data_url(text: str, *, field: str) -> bytes:
    head, sep, payload = (text or "").partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        raise DomainError(_("Send the file as a data URL (data:image/jpeg;base64,…)."), field=field)
    if len(payload) > MAX_FILE_BYTES * 4 // 3 + 4:
        raise DomainError(
            _("A file may be at most %(mb)s MB.") % {"mb": MAX_FILE_BYTES // 1024 // 1024}, field=field
        )
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(_("The file is not valid base64."), field=field) from None


def posted_files(request, *, key: str) -> tuple[list[tuple[bytes, str]], list[str], dict]:
    """The files of the request under `key` (multipart files, or JSON `{key: [{data_url, caption}]}`),
    the field naming each in errors, and the other fields (the form's, or the JSON object's)."""
    if request.content_type == "multipart/form-data":
        files = request.FILES.getlist(key)
        if not files:
            raise DomainError(_("Send at least one file."), field=key)
        for f in files:  # the size before the bytes are read
            if f.size > MAX_FILE_BYTES:
                raise DomainError(
                    _("A file may be at most %(mb)s MB.") % {"mb": MAX_FILE_BYTES // 1024 // 1024}, field=key
                )
        caption = request.POST.get("caption", "")
        return [(f.read(), caption) for f in files], [key] * len(files), request.POST.dict()
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise DomainError(_("The body is not valid JSON.")) from None
    if not isinstance(body, dict) or not body.get(key):
        raise DomainError(_("Send at least one file."), field=key)
    try:
        items = DataUrlsIn.model_validate({"items": body[key]}).items
    except ValidationError as exc:
        raise NinjaValidationError(
            [{**e, "loc": ("body", key, *e["loc"][1:])} for e in exc.errors(include_url=False)]
        ) from None
    out, fields = [], []
    for i, item in enumerate(items):
        out.append((decode_data_url(item.data_url, field=f"{key}.{i}"), item.caption))
        fields.append(f"{key}.{i}")
    return out, fields, {k: v for k, v in body.items() if k != key}


def multipart_or_json(key: str, *, extra: dict | None = None, required_extra: tuple[str, ...] = ()) -> dict:
    """The OpenAPI request body of an upload route: multipart files under `key` or JSON data URLs."""
    extra = extra or {}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            key: {"type": "array", "items": {"type": "string", "format": "binary"}},
                            "caption": {"type": "string", "maxLength": 200},
                            **extra,
                        },
                        "required": [key, *required_extra],
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            key: {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 20,
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "data_url": {"type": "string", "description": "data:…;base64,…"},
                                        "caption": {"type": "string", "maxLength": 200},
                                    },
                                    "required": ["data_url"],
                                },
                            },
                            **extra,
                        },
                        "required": [key, *required_extra],
                    }
                },
            },
        }
    }
