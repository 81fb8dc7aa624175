"""Writing mails into the outbox, in the caller's transaction; the sender delivers them later."""
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

from ..database import utcnow
from ..extensions import db
from .models import OutboxMail


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class InlineImage:
    """An image shown inside the HTML part, referenced there as cid:<cid>."""

    cid: str
    content: bytes
    subtype: str = "png"


def new_content_id() -> str:
    """A Content-ID for an inline image; templates use it as src="cid:{{ id }}"."""
    return make_msgid(domain="tracker")[1:-1]


def queue_mail(
    *,
    kind: str,
    recipient: str,
    language: str,
    subject,
    template: str,
    context: dict,
    event_id: int | None = None,
    invitee_id: int | None = None,
    attachments: tuple[Attachment, ...] = (),
    inline_images: tuple[InlineImage, ...] = (),
) -> OutboxMail:
    """Render templates/mail/<template>.txt and .html in the recipient's language and queue the mail.

    `subject` may be a lazy string; it is rendered in the recipient's language too.
    """
    with force_locale(language):
        subject_text = str(subject)
        text = render_template(f"mail/{template}.txt", subject=subject_text, **context)
        html = render_template(f"mail/{template}.html", subject=subject_text, **context)
    message_id = make_msgid(domain=current_app.config["BASE_URL"].split("//", 1)[-1].split(":")[0].split("/")[0] or "tracker")
    message = EmailMessage()
    message["Subject"] = subject_text
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = recipient
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = message.get_payload()[1]
    for image in inline_images:
        html_part.add_related(image.content, "image", image.subtype, cid=f"<{image.cid}>")
    for attachment in attachments:
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            params=attachment.params,
        )
    # Set last: set_content() and add_alternative() move or drop Content-* headers set before.
    message["Content-Language"] = language
    mail = OutboxMail(
        kind=kind,
        recipient=recipient,
        subject=subject_text[:300],
        message=message.as_bytes(),
        message_id=message_id,
        event_id=event_id,
        invitee_id=invitee_id,
    )
    db.session.add(mail)
    return mail
