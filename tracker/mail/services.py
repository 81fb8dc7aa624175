"""Writing mails into the outbox, in the caller's transaction; the sender delivers them later."""
from dataclasses import dataclass, field
from datetime import datetime
from email import encoders, message_from_bytes
from email.charset import QP, Charset
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale

from ..database import utcnow
from ..extensions import db
from ..tickets.calendar import event_ics
from ..tickets.qr import qr_png
from .headers import address_line, header_line
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


@dataclass(frozen=True)
class TicketImage:
    """The QR image of a ticket code inside the HTML part (cid:<cid>), made by the sender."""

    cid: str
    code: str

    def made(self) -> InlineImage:
        return InlineImage(self.cid, qr_png(self.code, box_size=8))


@dataclass(frozen=True)
class CalendarFile:
    """An .ics attachment (METHOD:PUBLISH), made by the sender from event_ics()'s arguments."""

    filename: str
    event: dict

    def made(self) -> Attachment:
        return Attachment(self.filename, event_ics(**self.event), "text", "calendar", {"method": "PUBLISH"})


@dataclass(frozen=True)
class LaterParts:
    """Parts of a mail that are costly to make (QR image, calendar file) and only needed for delivery.

    The request stores this recipe with the mail in the same transaction; the sender makes the parts
    and adds them to the stored text and HTML (see complete_message), so the answer does not wait for them.
    """

    images: tuple[TicketImage, ...] = ()
    attachments: tuple[CalendarFile, ...] = ()

    def to_json(self) -> dict:
        return {
            "images": [{"cid": image.cid, "code": image.code} for image in self.images],
            "attachments": [
                {"filename": file.filename, "event": _json_values(file.event)} for file in self.attachments
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> "LaterParts":
        return cls(
            images=tuple(TicketImage(**image) for image in data["images"]),
            attachments=tuple(
                CalendarFile(file["filename"], _datetime_values(file["event"])) for file in data["attachments"]
            ),
        )


def _json_values(values: dict) -> dict:
    return {name: value.isoformat() if isinstance(value, datetime) else value for name, value in values.items()}


def _datetime_values(values: dict) -> dict:
    return {name: datetime.fromisoformat(values[name]) if name in _DATETIMES else values[name] for name in values}


#: event_ics() arguments stored as ISO 8601 text.
_DATETIMES = ("starts_at", "ends_at")


def new_content_id() -> str:
    """A Content-ID for an inline image; templates use it as src="cid:{{ id }}"."""
    return make_msgid(domain="tracker")[1:-1]


#: Text parts in UTF-8, quoted-printable: readable, and no line longer than SMTP allows.
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP


def from_address() -> tuple[str, str]:
    """(display name, address) of MAIL_SENDER; the office's name where the setting gives none."""
    name, address = parseaddr(current_app.config["MAIL_SENDER"])
    return name or current_app.config["OFFICE_NAME"], address


def reply_to_address() -> tuple[str, str]:
    """(display name, address) replies go to: MAIL_REPLY_TO, else the sender."""
    name, address = parseaddr(current_app.config["MAIL_REPLY_TO"])
    return (name or from_address()[0], address) if address else from_address()


def build_message(
    text: str, html: str, inline_images: tuple[InlineImage, ...], attachments: tuple[Attachment, ...]
) -> Message:
    """The MIME body: text and HTML alternatives, images inside the HTML part, then attachments.

    Built with the classic email.mime classes, which are several times faster than EmailMessage;
    that matters when 40,000 invitations are queued.
    """
    return _layered(MIMEText(text, "plain", _UTF8_QP), MIMEText(html, "html", _UTF8_QP), inline_images, attachments)


def _layered(
    text_part: Message, html_part: Message, inline_images: tuple[InlineImage, ...], attachments: tuple[Attachment, ...]
) -> Message:
    if inline_images:
        related = MIMEMultipart("related")
        related.attach(html_part)
        for image in inline_images:
            image_part = MIMEImage(image.content, image.subtype)
            image_part["Content-ID"] = f"<{image.cid}>"
            image_part.add_header("Content-Disposition", "inline")
            related.attach(image_part)
        html_part = related
    body = MIMEMultipart("alternative")
    body.attach(text_part)
    body.attach(html_part)
    if not attachments:
        return body
    mixed = MIMEMultipart("mixed")
    mixed.attach(body)
    for attachment in attachments:
        part = MIMEBase(attachment.maintype, attachment.subtype, **attachment.params)
        part.set_payload(attachment.content)
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
        mixed.attach(part)
    return mixed


#: Headers of the stored message that describe its old top-level part, not the mail.
_BODY_HEADERS = (b"content-type", b"mime-version", b"content-transfer-encoding")


def complete_message(stored: bytes, later_parts: dict | None) -> bytes:
    """The mail as delivered: the stored text and HTML alternatives with the later parts made and added.

    The mail's own header lines are kept as stored, byte for byte (a parsed and serialised header is folded anew).
    """
    if later_parts is None:
        return stored
    later = LaterParts.from_json(later_parts)
    text_part, html_part = message_from_bytes(stored).get_payload()
    message = _layered(
        text_part,
        html_part,
        tuple(image.made() for image in later.images),
        tuple(attachment.made() for attachment in later.attachments),
    )
    return _mail_headers(stored) + message.as_bytes()


def _mail_headers(stored: bytes) -> bytes:
    """The header lines of the stored message without those of its top-level part."""
    kept, keep = [], True
    for line in stored.split(b"\n\n", 1)[0].split(b"\n"):
        if not line[:1].isspace():
            keep = line.split(b":", 1)[0].strip().lower() not in _BODY_HEADERS
        if keep:
            kept.append(line + b"\n")
    return b"".join(kept)


def queue_mail(
    *,
    kind: str,
    recipient: str,
    language: str,
    subject,
    template: str,
    context: dict,
    recipient_name: str = "",
    event_id: int | None = None,
    invitee_id: int | None = None,
    later_parts: LaterParts | None = None,
) -> OutboxMail:
    """Render templates/mail/<template>.txt and .html in the recipient's language and queue the mail.

    `subject` may be a lazy string; it is rendered in the recipient's language too. `later_parts`
    (QR image, calendar file) are stored as a recipe and made by the sender. `recipient_name` goes into `To`
    beside the address.
    """
    with force_locale(language):
        subject_text = str(subject)
        text = render_template(f"mail/{template}.txt", subject=subject_text, **context)
        html = render_template(f"mail/{template}.html", subject=subject_text, **context)
    message_id = make_msgid(domain=current_app.config["BASE_URL"].split("//", 1)[-1].split(":")[0].split("/")[0] or "tracker")
    headers = "".join(
        (
            header_line("Subject", subject_text),
            address_line("From", *from_address()),
            address_line("Reply-To", *reply_to_address()),
            address_line("To", recipient_name, recipient),
            header_line("Date", format_datetime(utcnow())),
            header_line("Message-ID", message_id),
            header_line("Content-Language", language),
        )
    )
    mail = OutboxMail(
        kind=kind,
        recipient=recipient,
        subject=subject_text[:300],
        message=headers.encode() + build_message(text, html, (), ()).as_bytes(),
        later_parts=later_parts.to_json() if later_parts else None,
        message_id=message_id,
        event_id=event_id,
        invitee_id=invitee_id,
    )
    db.session.add(mail)
    return mail
