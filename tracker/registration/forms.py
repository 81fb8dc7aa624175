from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, EmailField, HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from ..forms import Form
from .services import Choice


class AnswerForm(Form):
    """The invitee's answer; each button on the page sends one choice."""

    choice = HiddenField(validators=[DataRequired(), AnyOf([choice.value for choice in Choice])])


class SelfRegistrationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Work e-mail address"), validators=[DataRequired(), Length(max=254), Email()])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=200)])


class ButtonForm(Form):
    """A form that is only a button (and its CSRF token), e.g. confirming, so that mail scanners
    following a link change nothing."""


class ControlForm(Form):
    """Close or reopen the registration."""

    action = HiddenField(validators=[DataRequired(), AnyOf(["close", "reopen"])])


class DeadlineForm(Form):
    deadline = DateTimeLocalField(_l("Deadline"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
