"""Counts read right with one: every count-bearing string goes through ngettext, and the singular is rendered."""
import re
from datetime import timedelta
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import insert

from tracker.checkin.models import CheckIn
from tracker.database import utcnow
from tracker.extensions import db
from tracker.invitees.messages import file_error_message
from tracker.stream.models import ViewerMinute

from .conftest import login
from .factories import make_event, make_invitee, make_registration, make_user
from .test_i18n import ROOT, extracted_ids

#: A placeholder right before a plural noun: a count that needs ngettext.
COUNT_BEFORE_NOUN = re.compile(
    r"%\(\w+\)[sd] (more )?(minutes|hours|days|seconds|people|persons|guests|viewers|seats|mails|rows|characters|"
    r"invitees|entries|tickets|invitations|reminders)\b"
)
#: German plural nouns after the number one: what a missing ngettext looks like on the page.
ONE_WITH_PLURAL = re.compile(
    r"(?<![\d.,])1 (weitere )?(Minuten|Stunden|Tage|Tagen|Sekunden|Personen|Gäste|Zuschauer\*innen|Plätze|Plätzen|"
    r"Mails|Zeilen|Eingeladene|Einträge)\b"
)


def test_no_count_outside_ngettext():
    """The grep as a test: a singular-only message (gettext, _) never puts a count before a plural noun."""
    singular_only = {message for message in extracted_ids() if COUNT_BEFORE_NOUN.search(message)}
    with open(ROOT / "tracker/translations/de/LC_MESSAGES/messages.po", "rb") as po:
        plurals = {m.id[0] for m in read_po(po, locale="de") if isinstance(m.id, tuple)}
    assert sorted(singular_only - plurals) == []


def test_every_german_singular_form_reads_right_with_one():
    with open(ROOT / "tracker/translations/de/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po, locale="de")
    wrong = []
    for message in catalog:
        if not isinstance(message.id, tuple):
            continue
        singular = message.string[0]
        names = {name: "1" for name in re.findall(r"%\((\w+)\)", singular)}
        text = re.sub(r"%\((\w+)\)[sd]", lambda match: names[match.group(1)], singular)
        if ONE_WITH_PLURAL.search(text) or singular == message.string[1] and "%(num)" in singular and \
                message.id[0] != message.id[1] and not _same_word_in_german(singular):
            wrong.append(singular)
    assert wrong == []


def _same_word_in_german(text: str) -> bool:
    """German nouns whose plural is the singular (Zeichen, Teilnehmer …): one form for both is right."""
    return "Zeichen" in text


def test_dashboard_and_report_with_one_of_everything(app, client):
    """One guest in the hall, one more online, one in the hall who watched too, a threshold of one minute."""
    now = utcnow().replace(second=0, microsecond=0)
    with app.app_context():
        event = make_event(starts_in=timedelta(minutes=-30), online_threshold_minutes=1, hall_capacity=1)
        in_hall = make_registration(make_invitee(event))
        online = make_registration(make_invitee(event), mode="stream")
        db.session.add(CheckIn(event_id=event.id, registration_id=in_hall.id, checked_in_at=now - timedelta(minutes=20)))
        db.session.execute(insert(ViewerMinute), [
            {"event_id": event.id, "viewer_key": f"i{in_hall.invitee_id}", "invitee_id": in_hall.invitee_id,
             "minute": now - timedelta(minutes=10)},
            {"event_id": event.id, "viewer_key": f"i{online.invitee_id}", "invitee_id": online.invitee_id,
             "minute": now - timedelta(minutes=5)},
        ])
        organiser = make_user()
        db.session.commit()
    login(client, organiser)
    dashboard = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    report = client.get(f"/events/{event.id}/report").get_data(as_text=True)
    assert "mindestens 1 Minute, nicht im Saal" in dashboard
    assert "Höchststand: 1 Zuschauer*in um" in dashboard
    assert "1 Gast im Sitzungssaal und 1 weitere Person im Livestream." in report
    assert "Online zählt, wer mindestens 1 Minute zugeschaut hat, ohne im Sitzungssaal zu sein." in report
    assert "1 Person im Sitzungssaal hat zusätzlich online zugeschaut; sie zählt einmal, beim Saal." in report
    assert "1 guest in the council hall and 1 more person on the livestream." in report
    for page in (dashboard, report):
        assert not ONE_WITH_PLURAL.search(page), ONE_WITH_PLURAL.search(page).group(0)


def test_other_pages_and_messages_with_one(app_factory):
    app = app_factory(PRIVACY_RETENTION_DAYS=1, STREAM_RETENTION_DAYS=1)
    notice = app.test_client().get("/datenschutz").get_data(as_text=True)
    assert "1 Tag nach ihrem Ende gelöscht" in notice and "nach 1 Tag auf anonyme Zahlen" in notice
    with app.test_request_context():
        assert file_error_message("too_many_rows", "1") == "Die Datei hat mehr als 1 Zeile. Bitte teilen Sie sie auf."
        assert file_error_message("too_many_rows", "5000") == "Die Datei hat mehr als 5000 Zeilen. Bitte teilen Sie sie auf."
