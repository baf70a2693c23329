"""Logs never hold a customer's mobile number in clear.

The code logs ids, not people; this is the safety net under it. `MaskPersonalData` is a logging
filter (config/settings.py LOGGING puts it on every handler; gunicorn.conf.py on gunicorn's
access and error logs) that masks every mainland mobile number in a record: its message with its
arguments, the traceback of an exception (a provider's error or a database's DETAIL line may quote
the number) and the stack. 138****5678 is kept, enough to tell two records apart.

`axes_client_str` is what django-axes writes about a sign-in attempt (AXES_CLIENT_STR_CALLABLE):
the user name as typed, masked (people type their mobile, or their password, into it), and the
network of the address.
"""

import logging
import re

# 11 digits starting 13-19, optionally after +86 / 86, not inside a longer number (an order
# number, a VIN's digits, a timestamp); spaces or dashes as people write them (138 1234 5678).
MOBILE = re.compile(r"(?<![\d])(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![\d])")


def mask_mobiles(text: str) -> str:
    return MOBILE.sub(lambda m: f"{m[1]}****{m[3]}", text)


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its message: left to the handler
            return True
        masked = mask_mobiles(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_mobiles(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_mobiles(record.stack_info)
        return True


def mask_username(username: str | None) -> str:
    """A user name as typed, for a log: a mobile as 138****5678, anything else its first two
    characters and its length (a password typed into the field is not written)."""
    text = str(username or "")
    if MOBILE.fullmatch(text.strip()):
        return mask_mobiles(text.strip())
    return f"{text[:2]}…({len(text)})" if len(text) > 2 else "…"


def mask_ip(address: str | None) -> str:
    """The network, not the device: 203.0.113.x, 2001:db8:1:2::/64."""
    text = str(address or "")
    if "." in text:
        return ".".join(text.split(".")[:3] + ["x"])
    if ":" in text:
        return ":".join(text.split(":")[:4]) + "::/64"
    return text


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    return f'{{username: "{mask_username(username)}", ip_address: "{mask_ip(ip_address)}", path_info: "{path_info}"}}'


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn serves production only
    _GunicornLogger = None

if _GunicornLogger is not None:

    class GunicornLogger(_GunicornLogger):
        """gunicorn's logger with its access and error logs masked (gunicorn.conf.py)."""

        def setup(self, cfg) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                log.addFilter(MaskPersonalData())
