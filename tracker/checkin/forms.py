from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..forms import Form


class DoorForm(Form):
    name = StringField(_l("Name of the door"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Add door"))


class PairingForm(Form):
    label = StringField(_l("Device name"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Show pairing code"))


class StaffForm(Form):
    user_id = SelectField(_l("Door-staff account"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Assign"))


class CheckoutForm(Form):
    checkout_enabled = BooleanField(_l("Scan exits too, to count the people inside now"))
    submit = SubmitField(_l("Save"))


class ActionForm(Form):
    """A button that posts with a CSRF token (revoke, revert, remove)."""

    submit = SubmitField()
