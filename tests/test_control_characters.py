"""Control characters and direction overrides: refused with a German message in every single-line text field of
every form and in the JSON bodies, and never a header line of their own in a mail."""
import email
from email import policy

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from wtforms import StringField, TextAreaField

from tracker.events.models import Event
from tracker.extensions import db
from tracker.forms import Form, has_forbidden_characters
from tracker.mail.models import OutboxMail

from .conftest import login
from .factories import make_event, make_user
from .test_checkin_api import HEADERS, hall, nonce  # noqa: F401  (hall: the fixture)
from .test_events import VALID

FORBIDDEN = ["Zeile\r\nBcc: evil@example.org", "Name\x00", "\x1b[31mRot", "Tab\tulator", "evil\u202egnp.exe", "\u2066x\u2069", "\x7f"]
MESSAGE = "Bitte entfernen Sie Steuerzeichen (etwa Zeilenumbrüche) und Richtungszeichen aus diesem Feld."


class Sample(Form):
    class Meta:
        csrf = False

    line = StringField()
    text = TextAreaField()


@pytest.mark.parametrize("value", FORBIDDEN)
def test_a_single_line_field_refuses_each_control_character_and_override(app, value):
    with app.test_request_context(method="POST", data={"line": value, "text": ""}), force_locale("de"):
        form = Sample()
        assert not form.validate()
        assert form.line.errors == [MESSAGE]


def test_a_multi_line_field_keeps_line_breaks_and_tabs_but_not_other_controls(app):
    with app.test_request_context(method="POST", data={"line": "Infotag", "text": "Erste Zeile\r\nZweite\tZeile"}):
        assert Sample().validate()
    for value in ("Glocke\x07", "evil\u202e"):
        with app.test_request_context(method="POST", data={"line": "Infotag", "text": value}):
            form = Sample()
            assert not form.validate() and form.text.errors


def test_plain_text_of_any_language_passes():
    for value in ("Ulrich Öztürk", "Łukasz Żółć", "محمد", "王小明", "Anna-Lena O’Brien (IT-Referat)", "😀"):
        assert not has_forbidden_characters(value)


def test_an_event_title_with_a_line_break_is_refused_and_nothing_is_stored(app, client):
    with app.app_context():
        user = make_user("organiser")
        db.session.commit()
    login(client, user)
    response = client.post("/events/new", data=VALID | {"title": "Infotag\r\nBcc: evil@example.org"})
    assert response.status_code == 422 and MESSAGE in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_self_registration_refuses_an_escape_sequence_and_sends_nothing(app, client):
    with app.app_context():
        event = make_event(self_registration=True, self_registration_domains="muenchen.example")
        db.session.commit()
        token = event.public_token
    response = client.post(f"/anmeldung/{token}", data={"name": "\x1b[31mEve", "email": "eve@muenchen.example", "unit": "IT"})
    assert MESSAGE in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_a_walk_in_name_with_control_characters_is_refused_in_german(app, client, hall):  # noqa: F811
    body = {"door": hall["north"], "nonce": nonce(), "name": "Spontan\r\nGast"}
    response = client.post("/api/checkin/walk-in", json=body, headers=HEADERS)
    assert response.status_code == 400
    assert response.get_json()["error"] == "„name“ darf keine Steuerzeichen oder Richtungszeichen enthalten."
    search = client.get("/api/checkin/search", query_string={"door": hall["north"], "q": "Gast\u202e"}, headers=HEADERS)
    assert search.status_code == 400


def test_an_english_sign_up_for_an_event_whose_title_holds_a_line_break_sends_one_subject_line(app, client):
    """A title stored before the validator existed (or by a script) cannot start a header of its own."""
    with app.app_context():
        event = make_event("Info day\r\nBcc: evil@example.org", self_registration=True,
                           self_registration_domains="muenchen.example")
        db.session.commit()
        token = event.public_token
    client.get("/lang/en")
    response = client.post(f"/anmeldung/{token}", data={"name": "Eve Example", "email": "eve@muenchen.example", "unit": "IT"})
    assert response.status_code == 200
    with app.app_context():
        mail = db.session.execute(select(OutboxMail)).scalar_one()
        message = email.message_from_bytes(mail.message, policy=policy.default)
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "Info day Bcc: evil@example.org" in message["Subject"]
