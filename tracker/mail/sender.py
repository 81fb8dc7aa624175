"""The mail sender: claims due mails from the outbox and delivers them over SMTP.

A mail is never sent twice: it is marked `sending` and committed before the SMTP server
hears of it, and marked `sent` once the server accepted it. A sender that dies between
the two leaves the mail `sending`; after MAIL_SENDING_TIMEOUT organisers see it as
uncertain and decide whether to send it again. Several senders may run at once: each
claims its own mails (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite serializes the claim
with BEGIN IMMEDIATE). Within one sender, the claimed mails go out over several SMTP
connections in threads; the database work (claiming, recording) stays in the sender's thread.
"""
import logging
import random
import re
import smtplib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from ..database import is_postgres, utcnow
from ..extensions import db
from .models import MailStatus, OutboxMail
from .services import complete_message

log = logging.getLogger("tracker.mail")

_LINE_END = re.compile(rb"\r?\n")

#: Jitter added to a retry delay, as a fraction of it, so that retries of many mails spread out.
RETRY_JITTER = 0.25


@dataclass(frozen=True)
class ClaimedMail:
    id: int
    recipient: str
    message: bytes
    attempts: int
    later_parts: dict | None = None

    def data(self) -> bytes:
        """The message as it goes over SMTP: later parts made and added, CRLF line ends."""
        message = complete_message(self.message, self.later_parts)
        # smtplib sends bytes as they are; SMTP wants CRLF line ends.
        return _LINE_END.sub(b"\r\n", message)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retrying + self.failed

    def add(self, other: "DeliveryReport") -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed


def claim_due_mails(limit: int) -> list[ClaimedMail]:
    """Mark up to `limit` due mails as sending and commit, so no other sender takes them."""
    now = utcnow()
    query = (
        select(OutboxMail.id, OutboxMail.recipient, OutboxMail.message, OutboxMail.attempts, OutboxMail.later_parts)
        .where(OutboxMail.status == MailStatus.QUEUED, OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(limit)
    )
    if is_postgres():
        query = query.with_for_update(skip_locked=True)
    try:
        rows = db.session.execute(query).all()
        if rows:
            db.session.execute(
                update(OutboxMail)
                .where(OutboxMail.id.in_([row.id for row in rows]))
                .values(status=MailStatus.SENDING, claimed_at=now)
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return [ClaimedMail(row.id, row.recipient, row.message, row.attempts, row.later_parts) for row in rows]


def retry_delay(failures: int) -> timedelta:
    """Exponential back-off after the n-th failure, capped, with random jitter on top."""
    config = current_app.config
    base = min(config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (failures - 1), config["MAIL_RETRY_MAX_SECONDS"])
    return timedelta(seconds=base * (1 + random.uniform(0, RETRY_JITTER)))


class UnbuildableMail(Exception):
    """The stored mail could not be made into a message (its later parts failed); retrying will not help."""


def is_permanent(error: Exception) -> bool:
    """A 5xx answer (unknown recipient, rejected message) or an unbuildable mail will not get better by retrying."""
    if isinstance(error, UnbuildableMail):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"[:1000]
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {message}"[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


#: Anything shaped like an e-mail address, as SMTP servers name the refused recipient in their answers.
_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")


def without_addresses(text: str) -> str:
    """The text for the log: every address in it replaced, so no recipient reaches a log line."""
    return _ADDRESS.sub("<address>", text)


@dataclass(frozen=True)
class SmtpSettings:
    """What a delivery thread needs from the configuration (threads have no app context)."""

    server: str
    port: int
    timeout: int
    use_ssl: bool
    use_tls: bool
    username: str | None
    password: str | None
    envelope_sender: str

    @classmethod
    def from_config(cls) -> "SmtpSettings":
        config = current_app.config
        return cls(
            server=config["MAIL_SERVER"],
            port=config["MAIL_PORT"],
            timeout=config["MAIL_SMTP_TIMEOUT"],
            use_ssl=config["MAIL_USE_SSL"],
            use_tls=config["MAIL_USE_TLS"],
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            envelope_sender=parseaddr(config["MAIL_SENDER"])[1],
        )


def open_connection(settings: SmtpSettings) -> smtplib.SMTP:
    smtp_class = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
    connection = smtp_class(settings.server, settings.port, timeout=settings.timeout)
    try:
        connection.ehlo()
        if settings.use_tls:
            connection.starttls()
            connection.ehlo()
        if settings.username:
            connection.login(settings.username, settings.password or "")
    except BaseException:
        connection.close()
        raise
    return connection


def deliver(mails: list[ClaimedMail]) -> tuple[list[int], dict[int, Exception]]:
    """Hand the mails to the SMTP server, MAIL_BATCH_SIZE per connection, over up to MAIL_CONNECTIONS at once.

    One connection answers one command at a time (smtplib has no pipelining), so a single
    connection waits for four round trips per mail; several connections in threads overlap
    those waits. Ids accepted, and errors by id.
    """
    settings = SmtpSettings.from_config()
    size = current_app.config["MAIL_BATCH_SIZE"]
    slices = [mails[start:start + size] for start in range(0, len(mails), size)]
    accepted: list[int] = []
    errors: dict[int, Exception] = {}
    if len(slices) == 1:
        outcomes = [deliver_over_one_connection(slices[0], settings)]
    else:
        with ThreadPoolExecutor(max_workers=len(slices), thread_name_prefix="smtp") as pool:
            outcomes = list(pool.map(deliver_over_one_connection, slices, [settings] * len(slices)))
    for slice_accepted, slice_errors in outcomes:
        accepted += slice_accepted
        errors.update(slice_errors)
    return accepted, errors


def deliver_over_one_connection(
    mails: list[ClaimedMail], settings: SmtpSettings
) -> tuple[list[int], dict[int, Exception]]:
    """Hand the mails to the SMTP server over one connection: ids accepted, and errors by id."""
    accepted: list[int] = []
    errors: dict[int, Exception] = {}
    try:
        connection = open_connection(settings)
    except (OSError, smtplib.SMTPException) as error:
        return accepted, {mail.id: error for mail in mails}
    try:
        options = ["BODY=8BITMIME"] if connection.has_extn("8bitmime") else []
        for position, mail in enumerate(mails):
            try:
                data = mail.data()
            except Exception as error:  # a mail that cannot be made must not stop the others
                log.exception("mail %s could not be made", mail.id)
                errors[mail.id] = UnbuildableMail(describe(error))
                continue
            try:
                connection.sendmail(settings.envelope_sender, [mail.recipient], data, mail_options=options)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                errors[mail.id] = error
                connection.rset()
            except (OSError, smtplib.SMTPException) as error:
                # The connection is gone: this mail and the ones after it were not accepted.
                errors.update({later.id: error for later in mails[position:]})
                return accepted, errors
            else:
                accepted.append(mail.id)
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    return accepted, errors


def record_outcome(mails: list[ClaimedMail], accepted: list[int], errors: dict[int, Exception]) -> DeliveryReport:
    """Mark accepted mails sent (dropping the stored message) and schedule or give up the others."""
    report = DeliveryReport(sent=len(accepted))
    now = utcnow()
    if accepted:
        # No status condition: even if an organiser meanwhile gave the mail up or queued it again,
        # the server has it now, and "sent" keeps it from going out a second time.
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id.in_(accepted))
            .values(status=MailStatus.SENT, sent_at=now, message=None, later_parts=None, claimed_at=None)
        )
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    for mail in mails:
        error = errors.get(mail.id)
        if error is None:
            continue
        attempts = mail.attempts + 1
        give_up = attempts >= max_attempts or is_permanent(error)
        values = {"attempts": attempts, "last_error": describe(error), "claimed_at": None}
        if give_up:
            values["status"] = MailStatus.FAILED
            report.failed += 1
        else:
            values.update(status=MailStatus.QUEUED, next_attempt_at=now + retry_delay(attempts))
            report.retrying += 1
        db.session.execute(
            update(OutboxMail).where(OutboxMail.id == mail.id, OutboxMail.status == MailStatus.SENDING).values(**values)
        )
        log.warning("mail %s to be %s: %s", mail.id, "given up" if give_up else "retried",
                    without_addresses(values["last_error"]))
    db.session.commit()
    return report


def send_due_batch() -> DeliveryReport:
    """Claim due mails, MAIL_BATCH_SIZE for each of MAIL_CONNECTIONS connections, and deliver them."""
    mails = claim_due_mails(current_app.config["MAIL_BATCH_SIZE"] * current_app.config["MAIL_CONNECTIONS"])
    if not mails:
        return DeliveryReport()
    accepted, errors = deliver(mails)
    return record_outcome(mails, accepted, errors)


def send_all_due(stop: threading.Event | None = None) -> DeliveryReport:
    """Deliver batches until no mail is due (or `stop` is set); a batch that only fails ends the round."""
    total = DeliveryReport()
    while stop is None or not stop.is_set():
        report = send_due_batch()
        total.add(report)
        if report.claimed == 0 or report.sent == 0:
            break
    return total


#: Work that queues mails, run by the sender before each round (the invitations register their batches' next chunk);
#: each returns whether it did something, so the loop goes on without waiting.
ROUND_HOOKS: list[Callable[[], bool]] = []


def before_each_round(hook: Callable[[], bool]) -> Callable[[], bool]:
    """Register work for the sender to run before each round (at import time)."""
    ROUND_HOOKS.append(hook)
    return hook


def run_round_hooks() -> bool:
    """Run every hook once; whether any of them did something."""
    return any([hook() for hook in ROUND_HOOKS])


def run_loop(stop: threading.Event) -> None:
    """Run the round hooks and send due mails until `stop` is set, polling when idle.

    A database that is briefly unreachable does not end the loop: the round is logged and retried.
    """
    interval = current_app.config["MAIL_POLL_INTERVAL"]
    while not stop.is_set():
        busy = False
        try:
            busy = run_round_hooks()
            report = send_all_due(stop)
        except OperationalError:
            log.exception("mail: database unavailable, trying again in %s s", interval)
            db.session.rollback()
        else:
            if report.claimed:
                log.info("mail: %d sent, %d to retry, %d failed", report.sent, report.retrying, report.failed)
        finally:
            db.session.remove()
        if not busy:
            stop.wait(interval)
