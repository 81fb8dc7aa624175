from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..forms import Form


class AuditFilterForm(Form):
    """The log's filter; read from the query string, so it carries no CSRF token."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validators=[Optional()], validate_choice=False)
    actor = StringField(_l("Who"), validators=[Optional(), Length(max=200)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def validate_action(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose an action from the list."))

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date must not be before the start date."))
