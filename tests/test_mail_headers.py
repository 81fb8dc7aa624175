"""Headers and sender of every kind of mail, read from the bytes the SMTP server received."""
import re

import pytest

from tracker.extensions import db
from tracker.mail.headers import address_line, header_line
from tracker.mail.sender import send_all_due
from tracker.mail.services import queue_mail

from .factories import make_event, make_invitee
from .support.mails import TITLE, deliver_every_kind, html_part, parsed, text_part

ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


@pytest.fixture
def delivered(mail_app, smtp_server):
    return deliver_every_kind(mail_app, smtp_server)


def header_fields(raw: bytes) -> list[list[str]]:
    """The header fields of the mail and of each of its MIME parts, each as its physical lines."""
    boundaries = {"--" + part.get_boundary() for part in parsed(raw).walk() if part.is_multipart()}
    fields, in_headers = [], True
    for line in raw.decode("ascii").replace("\r\n", "\n").split("\n"):
        if line in boundaries:
            in_headers = True
        elif not line:
            in_headers = False
        elif in_headers and line[0] in " \t":
            fields[-1].append(line)
        elif in_headers:
            fields.append([line])
    return fields


def folding_faults(field: list[str]) -> list[str]:
    name, _, value = field[0].partition(":")
    faults = []
    if not value.strip():
        faults.append(f"{name} starts with an empty line")
    for line in field:
        # A single word longer than a line (a long Message-ID) cannot be folded; RFC 5322 allows it up to 998.
        words = line.split(": ", 1)[-1].split() if line is field[0] else line.split()
        if len(line) > 78 and len(words) > 1 or len(line) > 998:
            faults.append(f"{name} has a line of {len(line)} characters: {line!r}")
        faults += [f"{name} has an encoded word of {len(word)} characters" for word in ENCODED_WORD.findall(line) if len(word) > 75]
    return faults


def test_header_lines_are_folded_as_rfc_5322_and_2047_ask(delivered):
    faults = {
        f"{language} {kind}": [fault for field in header_fields(raw) for fault in folding_faults(field)]
        for (language, kind), raw in delivered.items()
    }
    assert not any(faults.values()), faults
    # The subject decodes to what was written, with no piece lost or added in the folding.
    assert parsed(delivered["de", "confirmation-hall"])["Subject"] == f"Ihr Platz im Sitzungssaal: {TITLE}"
    assert parsed(delivered["en", "invitation"])["Subject"] == f"Invitation: {TITLE}"


def test_each_answer_has_its_own_subject(delivered):
    for language in ("de", "en"):
        subjects = {kind: parsed(delivered[language, kind])["Subject"] for kind in ("decline", "cancellation", "confirmation-hall", "confirmation-livestream", "waiting-list", "promotion")}
        assert len(set(subjects.values())) == len(subjects), subjects
    assert parsed(delivered["de", "decline"])["Subject"] == f"Ihre Absage ist eingegangen: {TITLE}"
    assert parsed(delivered["de", "cancellation"])["Subject"] == f"Ihre Anmeldung ist storniert: {TITLE}"
    assert parsed(delivered["en", "cancellation"])["Subject"] == f"Your registration has been cancelled: {TITLE}"


def test_every_mail_says_who_sends_it(mail_app, delivered):
    office = [mail_app.config[name] for name in ("OFFICE_NAME", "OFFICE_ADDRESS", "OFFICE_CONTACT")]
    for (language, kind), raw in delivered.items():
        message = parsed(raw)
        assert message["From"].addresses[0].display_name == "Infotag", kind
        assert message["Reply-To"].addresses[0].addr_spec == "infotag@localhost", kind
        assert message["To"].addresses[0].display_name, f"{kind}: the recipient's name belongs in To"
        for part in (html_part(raw), text_part(raw)):
            missing = [value for value in office if value not in part]
            assert not missing, f"{language} {kind} does not name {missing}"
    html = html_part(delivered["de", "invitation"])
    assert 'Fragen zum Infotag: <a href="mailto:infotag@localhost"' in html
    assert "Absender: Stadtverwaltung, IT-Referat" in text_part(delivered["de", "invitation"])
    assert "Sent by: Stadtverwaltung, IT-Referat" in text_part(delivered["en", "invitation"])


def test_sender_without_a_name_is_named_after_the_office(mail_app, smtp_server):
    mail_app.config.update(MAIL_SENDER="infotag@muenchen.example", MAIL_REPLY_TO="team-infotag@muenchen.example", OFFICE_NAME="Stadtverwaltung München, IT-Referat", OFFICE_CONTACT="Telefon 089 233-00000")
    with mail_app.app_context():
        event = make_event()
        invitee = make_invitee(event, name="Jörg Übel")
        queue_mail(
            kind="invitation", recipient=invitee.email, recipient_name=invitee.name, language="de", subject="Einladung",
            template="invitation", context={"event": event, "invitee": invitee, "link": "https://x.example/t/1", "when": "morgen", "deadline": None},
        )
        db.session.commit()
        assert send_all_due().sent == 1
    message = smtp_server.messages[0]
    assert (message["From"].addresses[0].display_name, message["From"].addresses[0].addr_spec) == ("Stadtverwaltung München, IT-Referat", "infotag@muenchen.example")
    assert message["Reply-To"].addresses[0].addr_spec == "team-infotag@muenchen.example"
    assert message["Reply-To"].addresses[0].display_name == "Stadtverwaltung München, IT-Referat"
    assert str(message["To"]) == "Jörg Übel <" + invitee.email + ">"
    assert smtp_server.envelopes[0].mail_from == "infotag@muenchen.example"
    # A contact that is not an address is shown as it is.
    assert "Fragen zum Infotag: Telefon 089 233-00000</p>" in message.get_body(("html",)).get_content()


def test_ticket_image_travels_inside_the_mail_with_enough_text_around_it(delivered):
    for key in (("de", "confirmation-hall"), ("en", "promotion")):
        message = parsed(delivered[key])
        html = html_part(delivered[key])
        cid, alt = re.search(r'<img src="cid:([^"]+)"[^>]* alt="([^"]+)"', html).groups()
        images = [part for part in message.walk() if part.get_content_type() == "image/png"]
        assert [image["Content-ID"] for image in images] == [f"<{cid}>"]
        assert images[0].get_content_disposition() == "inline"
        assert ("QR-Code Ihres Tickets " if key[0] == "de" else "QR code of your ticket ") in alt
        # SpamAssassin's HTML_IMAGE_ONLY rules count an image in an HTML part of up to 3200 characters as spam.
        assert len(html) > 4000, len(html)


@pytest.mark.parametrize(
    "line",
    [
        header_line("Subject", "Einladung: " + "Größenänderung der Übersicht " * 12),
        header_line("Subject", "Invitation: " + "x" * 120 + " and more words after a long one"),
        header_line("Subject", "Zeile eins\r\nBcc: jemand@example.org"),
        address_line("To", "Ö" * 150, "person@muenchen.example"),
        address_line("To", "Maier, Anna (Referat für Arbeit und Wirtschaft, Abteilung Digitales und Innovation)", "a@b.example"),
        address_line("From", "", "infotag@muenchen.example"),
    ],
)
def test_header_lines_fold_within_the_limits_for_any_value(line):
    field = line.rstrip("\n").split("\n")
    assert not folding_faults(field)
    assert all(following.startswith(" ") for following in field[1:]), "a value never starts a header of its own"
    message = parsed(line.encode() + b"\n")
    name = field[0].split(":")[0]
    assert len(message.keys()) == 1 and message[name]


def test_folded_values_read_back_as_written():
    subject = "Einladung: " + "Größenänderung der Übersicht – " * 6
    assert parsed(header_line("Subject", subject).encode() + b"\n")["Subject"] == subject.strip()
    name = "Maier, Anna (Referat für Arbeit und Wirtschaft)"
    (address,) = parsed(address_line("To", name, "a@b.example").encode() + b"\n")["To"].addresses
    assert (address.display_name, address.addr_spec) == (name, "a@b.example")
