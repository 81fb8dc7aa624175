"""The mail sender against a real SMTP server (aiosmtpd on loopback), on SQLite and PostgreSQL."""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tracker import create_app
from tracker.config import ConfigError
from tracker.database import utcnow
from tracker.extensions import db
from tracker.mail.models import MailStatus, OutboxMail
from tracker.mail.sender import send_all_due, send_due_batch
from tracker.mail.services import queue_mail

from .factories import make_event, make_invitee


def queue_plain(count: int, recipient: str = "person{}@muenchen.example") -> list[int]:
    """Queue `count` small mails (the invitation templates, outside any event) and commit."""
    event = make_event()
    ids = []
    for number in range(count):
        invitee = make_invitee(event, email=recipient.format(number))
        mail = queue_mail(
            kind="invitation",
            recipient=invitee.email,
            language="de",
            subject="Einladung",
            template="invitation",
            context={"event": event, "invitee": invitee, "link": "http://127.0.0.1/t/x", "when": "morgen", "deadline": None},
            event_id=event.id,
            invitee_id=invitee.id,
        )
        db.session.flush()
        ids.append(mail.id)
    db.session.commit()
    return ids


def mails() -> list[OutboxMail]:
    db.session.expire_all()
    return db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars().all()


def make_due() -> None:
    """Let the back-off pass, as if the clock had moved on."""
    db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_send_once_delivers_and_forgets_the_message(mail_app, smtp_server):
    runner = mail_app.test_cli_runner()
    with mail_app.app_context():
        queue_plain(3)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    with mail_app.app_context():
        assert "3 sent, 0 to retry, 0 failed." in result.output, [m.last_error for m in mails()]
    assert len(smtp_server.messages) == 3
    with mail_app.app_context():
        for mail in mails():
            assert mail.status == MailStatus.SENT
            assert mail.sent_at is not None
            assert mail.message is None, "the stored message holds the personal link and is dropped once sent"
            assert mail.attempts == 0
    message = smtp_server.messages[0]
    assert message["To"] == "person0@muenchen.example"
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}


def test_one_connection_per_batch(mail_app, smtp_server):
    mail_app.config["MAIL_BATCH_SIZE"] = 10
    with mail_app.app_context():
        queue_plain(25)
        report = send_all_due()
    assert report.sent == 25
    assert len(set(smtp_server.peers)) == 3


def test_server_down_keeps_the_mail_and_it_arrives_after_restart(mail_app, smtp_server):
    smtp_server.stop()
    with mail_app.app_context():
        queue_plain(2)
        report = send_all_due()
        assert (report.sent, report.retrying, report.failed) == (0, 2, 0)
        for mail in mails():
            assert mail.status == MailStatus.QUEUED
            assert mail.attempts == 1
            assert "Connection refused" in mail.last_error or "Errno" in mail.last_error
            assert mail.message is not None
            assert mail.next_attempt_at > utcnow() + timedelta(seconds=50)
        # Not due yet: another round does nothing.
        assert send_all_due().claimed == 0
        smtp_server.start()
        make_due()
        assert send_all_due().sent == 2
        assert all(mail.status == MailStatus.SENT for mail in mails())
        assert send_all_due().claimed == 0
    assert sorted(m["To"] for m in smtp_server.messages) == ["person0@muenchen.example", "person1@muenchen.example"]


def test_back_off_doubles_with_jitter_up_to_the_cap_then_fails(mail_app, smtp_server):
    mail_app.config.update(MAIL_RETRY_BASE_SECONDS=60, MAIL_RETRY_MAX_SECONDS=300, MAIL_MAX_ATTEMPTS=5)
    smtp_server.stop()
    delays = []
    with mail_app.app_context():
        queue_plain(1)
        for _ in range(4):
            before = utcnow()
            send_due_batch()
            mail = mails()[0]
            assert mail.status == MailStatus.QUEUED
            delays.append((mail.next_attempt_at - before).total_seconds())
            make_due()
        send_due_batch()
        mail = mails()[0]
    for delay, base in zip(delays, (60, 120, 240, 300)):
        assert base - 1 <= delay <= base * 1.25 + 1, delays
    assert mail.status == MailStatus.FAILED
    assert mail.attempts == 5
    assert mail.message is not None, "a failed mail keeps its message so it can be sent again"


def test_refused_recipient_fails_at_once_and_a_temporary_refusal_is_retried(mail_app, smtp_server):
    smtp_server.refuse["nobody@muenchen.example"] = "550 5.1.1 No such user"
    smtp_server.refuse["busy@muenchen.example"] = "451 4.3.0 Try again later"
    with mail_app.app_context():
        for address in ("nobody@muenchen.example", "busy@muenchen.example", "ok@muenchen.example"):
            queue_plain(1, recipient=address)
        report = send_all_due()
        assert (report.sent, report.retrying, report.failed) == (1, 1, 1)
        by_recipient = {mail.recipient: mail for mail in mails()}
    assert by_recipient["nobody@muenchen.example"].status == MailStatus.FAILED
    assert by_recipient["nobody@muenchen.example"].last_error.startswith("550")
    assert by_recipient["busy@muenchen.example"].status == MailStatus.QUEUED
    assert by_recipient["busy@muenchen.example"].last_error.startswith("451")
    assert by_recipient["ok@muenchen.example"].status == MailStatus.SENT
    assert [m["To"] for m in smtp_server.messages] == ["ok@muenchen.example"]


def test_two_senders_at_once_never_send_a_mail_twice(app_factory, smtp_server):
    first, second = app_factory(**smtp_server.config), app_factory(**smtp_server.config)
    for app in (first, second):
        app.config["MAIL_BATCH_SIZE"] = 7
    with first.app_context():
        queue_plain(120)
    start = threading.Barrier(2)
    reports, errors = [], []

    def run(app):
        try:
            with app.app_context():
                start.wait()
                reports.append(send_all_due())
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sum(report.sent for report in reports) == 120
    assert all(report.sent > 0 for report in reports), "both senders took part"
    ids = [message["Message-ID"] for message in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 120
    with first.app_context():
        assert {mail.status for mail in mails()} == {MailStatus.SENT}


def test_a_mail_left_sending_by_a_crashed_sender_is_not_sent_again(mail_app, smtp_server):
    with mail_app.app_context():
        queue_plain(1)
        db.session.execute(update(OutboxMail).values(status=MailStatus.SENDING, claimed_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        assert send_all_due().claimed == 0
        assert mails()[0].status == MailStatus.SENDING
    assert smtp_server.messages == []


def test_loop_sends_and_stops_cleanly_on_sigterm(app_factory, smtp_server, tmp_path):
    app = app_factory(**smtp_server.config)
    with app.app_context():
        queue_plain(2)
    env = dict(
        os.environ,
        TRACKER_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        TRACKER_SECRET_KEY=app.config["SECRET_KEY"],
        TRACKER_MAIL_SERVER="127.0.0.1",
        TRACKER_MAIL_PORT=str(smtp_server.port),
        TRACKER_MAIL_POLL_INTERVAL="1",
    )
    flask = Path(sys.executable).with_name("flask")
    process = subprocess.Popen(
        [str(flask), "--app", "tracker", "mail", "send", "--loop"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(smtp_server.envelopes) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp_server.envelopes) == 2
        with app.app_context():
            queue_plain(1, recipient="later{}@muenchen.example")
        while len(smtp_server.envelopes) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp_server.envelopes) == 3, "the loop keeps polling"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert "Mail sender stopped." in output


def test_a_batch_size_below_one_stops_start_up(tmp_path):
    with pytest.raises(ConfigError, match="MAIL_BATCH_SIZE must be at least 1"):
        create_app({"SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "MAIL_BATCH_SIZE": 0})


def test_confirmation_arrives_with_the_qr_image_and_calendar_made_by_the_sender(mail_app, smtp_server):
    from icalendar import Calendar

    from tracker.registration.services import Choice, answer
    from tracker.tickets.qr import qr_png

    with mail_app.test_request_context():
        event = make_event(title="Infotag Digitalisierung")
        invitee = make_invitee(event, email="anna@muenchen.example")
        answer(invitee.id, Choice.HALL)
        db.session.commit()
        [queued] = mails()
        code = invitee.registration.active_ticket.code
        assert queued.later_parts is not None, "the request stores the recipe, not the image"
        assert b"image/png" not in queued.message and b"text/calendar" not in queued.message
        assert send_all_due().sent == 1
        [sent] = mails()
        assert sent.message is None and sent.later_parts is None, "both hold the personal link"
        starts_at = event.starts_at
    [message] = smtp_server.messages
    assert message["To"].addresses[0].addr_spec == "anna@muenchen.example"
    assert message["Message-ID"] == queued.message_id
    assert "Infotag Digitalisierung" in message["Subject"]
    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert image.get_content() == qr_png(code, box_size=8)
    html = message.get_body(("html",)).get_content()
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    [ics] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "infotag.ics"
    [vevent] = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(vevent["summary"]) == "Infotag Digitalisierung"
    assert vevent.decoded("dtstart") == starts_at


def test_a_mail_whose_parts_cannot_be_made_fails_at_once_and_the_others_go_out(mail_app, smtp_server):
    with mail_app.app_context():
        broken, fine = queue_plain(2)
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == broken)
            .values(later_parts={"images": [{"cid": "x", "code": "lower-case"}], "attachments": []})
        )
        db.session.commit()
        report = send_all_due()
        assert (report.sent, report.retrying, report.failed) == (1, 0, 1)
        by_id = {mail.id: mail for mail in mails()}
    assert by_id[broken].status == MailStatus.FAILED
    assert "UnbuildableMail" in by_id[broken].last_error
    assert by_id[fine].status == MailStatus.SENT
    assert len(smtp_server.messages) == 1


def test_one_sender_delivers_over_several_connections_at_once(mail_app):
    """Slow answers from the server overlap: the sender's connections are open and sending at the same time."""
    import asyncio
    import socket

    from aiosmtpd.controller import Controller

    class SlowServer:
        def __init__(self):
            self.active = self.peak = 0
            self.received = []

        async def handle_DATA(self, server, session, envelope):
            self.active += 1
            self.peak = max(self.peak, self.active)
            await asyncio.sleep(0.02)
            self.active -= 1
            self.received.append((session.peer, envelope.rcpt_tos[0]))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = SlowServer()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail_app.config.update(MAIL_PORT=port, MAIL_BATCH_SIZE=5, MAIL_CONNECTIONS=3)
        with mail_app.app_context():
            queue_plain(14)
            first = send_due_batch()
            assert (first.sent, first.retrying, first.failed) == (14, 0, 0)
            assert all(mail.status == MailStatus.SENT for mail in mails())
    finally:
        controller.stop()
    assert handler.peak >= 2, "the connections overlap"
    assert len({peer for peer, _ in handler.received}) == 3, "5 + 5 + 4 mails, one connection each"
    assert sorted(recipient for _, recipient in handler.received) == sorted(f"person{n}@muenchen.example" for n in range(14))


def test_a_refusal_naming_the_recipient_reaches_the_log_without_the_address(mail_app, smtp_server, caplog):
    smtp_server.refuse["nobody@muenchen.example"] = "550 5.1.1 <nobody@muenchen.example>: Recipient address rejected"
    with mail_app.app_context():
        queue_plain(1, recipient="nobody@muenchen.example")
        with caplog.at_level("INFO"):
            send_all_due()
        [mail] = mails()
    assert "nobody@muenchen.example" in mail.last_error, "the organisers' page still says which address failed"
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("tracker"))
    assert "550 5.1.1 <<address>>: Recipient address rejected" in logged
    assert "muenchen.example" not in logged
