"""One mail of every kind the app sends, in German and English, delivered to a real SMTP server.

Each mail is made by the code path that sends it in production (an answer on the personal page, a promotion,
an invitation batch, the self-registration), then delivered by the mail sender; the tests check the bytes the
SMTP server received.
"""
from datetime import timedelta
from email import policy
from email.parser import BytesParser

from sqlalchemy import select

from tracker.extensions import db
from tracker.invitations.services import queue_invitation_mail
from tracker.mail.models import OutboxMail
from tracker.mail.sender import send_all_due
from tracker.registration import self_registration, services
from tracker.registration.services import Choice

from ..factories import make_event, make_invitee

#: A public address as long as a city's real one: the links in the mails are as long as in production.
BASE_URL = "https://infotag-digitalisierung.stadtverwaltung.muenchen.example"
#: A title with umlauts and a dash, long enough that the subject is folded and encoded.
TITLE = "1. Infotag Digitalisierung der Stadtverwaltung – Künstliche Intelligenz für Bürgerinnen und Bürger"

#: The kinds of mail, as the tests name them.
KINDS = (
    "invitation",
    "reminder",
    "confirmation-hall",
    "confirmation-livestream",
    "waiting-list",
    "waiting-list-without-livestream",
    "promotion",
    "decline",
    "cancellation",
    "opt-in",
    "opt-in-already-registered",
)


def _answered(event, language: str, choice: str, name: str):
    invitee = make_invitee(event, name=name, language=language, unit="Referat für Arbeit und Wirtschaft")
    services.answer(invitee.id, Choice(choice))
    db.session.flush()
    return invitee


def _flushed(mail: OutboxMail) -> int:
    db.session.flush()
    return mail.id


def _latest_mail_id() -> int:
    return db.session.execute(select(OutboxMail.id).order_by(OutboxMail.id.desc()).limit(1)).scalar_one()


def queue_every_kind(language: str, title: str = TITLE) -> dict[str, int]:
    """Queue one mail of every kind in `language` and commit: outbox ids by kind (needs a request context)."""
    deadline = timedelta(days=7)
    event = make_event(
        title=title, hall_capacity=1, description="Vorträge, Fragen und Austausch.",
        self_registration=True, self_registration_domains="muenchen.example",
    )
    event.registration_deadline = event.starts_at - deadline
    ids: dict[str, int] = {}

    invitee = make_invitee(event, name="Dr. Maximiliane Mustermann-Schönberger", language=language)
    ids["invitation"] = _flushed(queue_invitation_mail(invitee, "invitation", event))
    ids["reminder"] = _flushed(queue_invitation_mail(invitee, "reminder", event))

    holder = _answered(event, language, "hall", "Anna Hallsitz")
    ids["confirmation-hall"] = _latest_mail_id()
    _answered(event, language, "stream", "Bernd Zuschauer")
    ids["confirmation-livestream"] = _latest_mail_id()
    waiting = _answered(event, language, "hall", "Clara Wartend")
    ids["waiting-list"] = _latest_mail_id()
    _answered(event, language, "decline", "Dieter Absage")
    ids["decline"] = _latest_mail_id()

    # Cancelling the hall seat frees it for the waiting person: cancellation, then promotion.
    services.answer(holder.id, Choice.CANCEL)
    db.session.flush()
    kinds = dict(
        db.session.execute(
            select(OutboxMail.recipient, OutboxMail.id).where(OutboxMail.id > ids["decline"])
        ).all()
    )
    ids["cancellation"] = kinds[holder.email]
    ids["promotion"] = kinds[waiting.email]

    without_stream = make_event(title=title, hall_capacity=0, livestream=False)
    _answered(without_stream, language, "hall", "Emil Ohnestream")
    ids["waiting-list-without-livestream"] = _latest_mail_id()

    request = self_registration.SignUpRequest(event.id, "Frieda Neuanmeldung", "frieda.neu@muenchen.example", "", language)
    ids["opt-in"] = _flushed(self_registration.request_sign_up(event, request))
    known = self_registration.SignUpRequest(event.id, invitee.name, invitee.email, "", language)
    ids["opt-in-already-registered"] = _flushed(self_registration.request_sign_up(event, known))
    db.session.commit()
    assert set(ids) == set(KINDS)
    return ids


def deliver_every_kind(app, smtp_server, title: str = TITLE, base_url: str = BASE_URL) -> dict[tuple[str, str], bytes]:
    """Queue one mail of every kind in German and English and deliver them: the received bytes by (language, kind)."""
    app.config["BASE_URL"] = base_url
    with app.test_request_context():
        ids = {
            (language, kind): mail_id for language in ("de", "en") for kind, mail_id in queue_every_kind(language, title).items()
        }
        report = send_all_due()
        message_ids = dict(db.session.execute(select(OutboxMail.id, OutboxMail.message_id)).all())
    assert report.sent == len(ids), report
    received = {}
    for envelope in smtp_server.envelopes:
        message_id = BytesParser(policy=policy.compat32).parsebytes(envelope.content, headersonly=True)["Message-ID"]
        received["".join(message_id.split())] = envelope.content
    return {key: received[message_ids[mail_id]] for key, mail_id in ids.items()}


def parsed(raw: bytes):
    """The delivered mail as an EmailMessage."""
    return BytesParser(policy=policy.default).parsebytes(raw)


def html_part(raw: bytes) -> str:
    return parsed(raw).get_body(("html",)).get_content()


def text_part(raw: bytes) -> str:
    return parsed(raw).get_body(("plain",)).get_content()
