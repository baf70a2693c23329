"""E-mail through a real SMTP server, with Django's mail (Chinese subject and body, UTF-8).

Settings (ChannelConfig.settings, all optional): from (default DEFAULT_FROM_EMAIL), host and port
(default EMAIL_HOST / EMAIL_PORT, config/settings.py), username, password, use_tls.

Every e-mail carries an unsubscribe link (signed, views.unsubscribe) in its text and in the
List-Unsubscribe header with one-click unsubscribe (RFC 8058). Its Message-ID is made of the
message's outbox_key: SMTP has no idempotency key, so after a worker died between the server's
"250 OK" and our record the e-mail is sent again (at least once), and mail programs that collapse
copies with one Message-ID show it once.
"""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import translation
from django.utils.translation import gettext as _

from .. import links
from ..kinds import render
from .base import Provider, SendFailed, Sent

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip("> ") or "opendms.local"


class Smtp(Provider):
    name = "smtp"

    def compose(self, message) -> EmailMessage:
        subject, _body = render(message.kind, message.params)
        unsubscribe = links.unsubscribe_url(message)
        with translation.override(settings.LANGUAGE_CODE):
            footer = _(
                "You receive this e-mail as a customer of %(store)s. To stop these e-mails: %(url)s"
            ) % {
                "store": message.store.name,
                "url": unsubscribe,
            }
        sender = self.settings.get("from") or settings.DEFAULT_FROM_EMAIL
        return EmailMessage(
            subject=subject,
            body=f"{message.body}\n\n--\n{footer}\n",
            from_email=sender,
            to=[message.address],
            headers={
                "Message-ID": f"<{message.outbox_key}@{_domain(sender)}>",
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    def send(self, message) -> Sent:
        email = self.compose(message)
        connection = get_connection(
            SMTP_BACKEND,
            host=self.settings.get("host") or settings.EMAIL_HOST,
            port=int(self.settings.get("port") or settings.EMAIL_PORT),
            username=self.settings.get("username") or None,
            password=self.settings.get("password") or None,
            use_tls=bool(self.settings.get("use_tls", False)),
            timeout=settings.DMS_OUTBOX_HTTP_TIMEOUT,
            fail_silently=False,
        )
        try:
            connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()), (550, b""))[0]
            raise SendFailed(f"smtp: recipient refused ({code})", retry=400 <= code < 500) from exc
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise SendFailed(f"smtp: {exc.smtp_code} {text}"[:300], retry=exc.smtp_code < 500) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"smtp: {type(exc).__name__}: {exc}"[:300], retry=True) from exc
        return Sent(provider_message_id=email.extra_headers["Message-ID"].strip("<>"))
