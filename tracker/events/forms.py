"""Organiser forms for events and groups; times are entered in Europe/Berlin."""
import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..forms import Form
from .models import StreamKind
from .teams import TEAM_ROLE_LABELS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
_DOMAIN = re.compile(r"(?=.{1,253}\Z)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z")
_LOOPBACK_HOSTS = {"127.0.0.1"}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _datetime(label, required=False):
    validators = [InputRequired()] if required else [Optional()]
    return DateTimeLocalField(label, format=DATETIME_FORMAT, validators=validators)


def check_web_address(form, field) -> None:
    """Only https addresses (and plain http on the loopback address, for local tests)."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    secure = parts.scheme == "https" and parts.hostname
    loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
    if not (secure or loopback) or any(c.isspace() for c in field.data):
        raise ValidationError(_l("Enter a full address that starts with https://."))


def split_domains(text: str) -> list[str]:
    """Domains from a comma- or space-separated list, lower-case, without a leading @."""
    return [part.strip().lower().lstrip("@") for part in re.split(r"[,\s]+", text or "") if part.strip()]


class EventForm(Form):
    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), filters=[_strip], validators=[Length(max=20_000)])
    agenda = TextAreaField(_l("Agenda"), filters=[_strip], validators=[Length(max=20_000)])

    starts_at = _datetime(_l("Start"), required=True)
    ends_at = _datetime(_l("End"), required=True)
    venue = StringField(_l("Venue"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    hall_capacity = IntegerField(
        _l("Seats in the hall"), validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )

    registration_opens_at = _datetime(_l("Registration opens"))
    registration_deadline = _datetime(_l("Registration deadline"))
    registration_closed = BooleanField(_l("Registration closed now (regardless of the deadline)"))
    quota_release_at = _datetime(_l("Release reserved seats at"))
    self_registration = BooleanField(_l("Staff may register themselves"))
    self_registration_domains = StringField(
        _l("E-mail domains allowed to register themselves"), filters=[_strip], validators=[Length(max=500)]
    )

    livestream = BooleanField(_l("The talks are livestreamed"))
    stream_kind = SelectField(
        _l("Kind of stream"),
        choices=[SelectChoice(StreamKind.IFRAME.value, _l("Embedded player (iframe)")),
                 SelectChoice(StreamKind.HLS.value, _l("HLS playlist"))],
    )
    stream_url = StringField(
        _l("Stream address"), filters=[_strip], validators=[Optional(), Length(max=500), check_web_address]
    )
    recording_url = StringField(
        _l("Recording address"), filters=[_strip], validators=[Optional(), Length(max=500), check_web_address]
    )
    public_stream = BooleanField(_l("Anyone with the public link may watch"))
    online_threshold_minutes = IntegerField(
        _l("Minutes of watching that count as followed online"),
        default=10,
        validators=[InputRequired(), NumberRange(min=1, max=24 * 60)],
    )

    checkout_enabled = BooleanField(_l("Record exits at the door"))
    submit = SubmitField(_l("Save"))

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_registration_deadline(self, field):
        if field.data and self.starts_at.data and field.data >= self.starts_at.data:
            raise ValidationError(_l("The deadline must be before the start."))

    def validate_registration_opens_at(self, field):
        if not field.data:
            return
        if self.registration_deadline.data and field.data >= self.registration_deadline.data:
            raise ValidationError(_l("Registration must open before the deadline."))
        if self.starts_at.data and field.data >= self.starts_at.data:
            raise ValidationError(_l("Registration must open before the start."))

    def validate_quota_release_at(self, field):
        if field.data and self.starts_at.data and field.data > self.starts_at.data:
            raise ValidationError(_l("Reserved seats must be released at the start at the latest."))

    def validate_self_registration_domains(self, field):
        domains = split_domains(field.data)
        bad = [domain for domain in domains if not _DOMAIN.match(domain)]
        if bad:
            raise ValidationError(_l("Not a valid domain: %(domains)s", domains=", ".join(bad)))
        if self.self_registration.data and not domains:
            raise ValidationError(_l("Name at least one domain, e.g. muenchen.de."))
        field.data = ", ".join(domains)

    def validate_public_stream(self, field):
        if field.data and not (self.livestream.data and self.stream_url.data):
            raise ValidationError(_l("A public stream needs a livestream with a stream address."))


class GroupForm(Form):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=100)])
    reserved_seats = IntegerField(
        _l("Reserved seats in the hall"), validators=[Optional(), NumberRange(min=0, max=100_000)]
    )
    max_seats = IntegerField(_l("Group maximum"), validators=[Optional(), NumberRange(min=0, max=100_000)])
    waiting_priority = IntegerField(
        _l("Priority on the waiting list"), default=0, validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    position = IntegerField(_l("Position in lists"), default=0, validators=[InputRequired(), NumberRange(min=0, max=1000)])
    submit = SubmitField(_l("Save group"))

    def validate_max_seats(self, field):
        reserved = self.reserved_seats.data
        if field.data is not None and reserved is not None and field.data < reserved:
            raise ValidationError(_l("The group maximum must be at least the reserved seats (%(reserved)s).",
                                     reserved=reserved))


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for confirming an action; the page labels the button."""


#: The team roles to choose from, managers first.
TEAM_ROLES = [SelectChoice(role.value, label) for role, label in TEAM_ROLE_LABELS.items()]


class TeamMemberForm(Form):
    """A colleague joins the event's team, by the e-mail address of their organiser account."""

    email = EmailField(_l("E-mail address of the organiser account"), validators=[DataRequired(), Length(max=254)],
                       filters=[_strip])
    role = SelectField(_l("Team role"), choices=TEAM_ROLES)
    submit = SubmitField(_l("Add to the team"))


class TeamRoleForm(Form):
    """A member's role, one form per row of the team table (prefixed with the member's account id)."""

    role = SelectField(_l("Team role"), choices=TEAM_ROLES)
    submit = SubmitField(_l("Change role"))
