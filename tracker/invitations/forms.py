"""Organiser forms of the invitations tab."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

#: Longest invitation text: a few paragraphs, not a newsletter.
MAX_INVITATION_TEXT = 5000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class InvitationTextForm(FlaskForm):
    text = TextAreaField(_l("Invitation text"), filters=[_strip], validators=[Length(max=MAX_INVITATION_TEXT)])
    submit = SubmitField(_l("Save the text"))
