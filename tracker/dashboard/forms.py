from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import Form


class CopyEventForm(Form):
    title = StringField(_l("Title of the new event"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    with_invitees = BooleanField(_l("Copy the invitees as well (with new personal links)"), default=True)
    submit = SubmitField(_l("Create copy"))

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

