from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from ..forms import Form


class ErasureForm(Form):
    confirm = BooleanField(
        _l("Yes, delete my data. I understand that my registration and ticket end."),
        validators=[DataRequired(_l("Please confirm that you want your data deleted."))],
    )
    submit = SubmitField(_l("Delete my data"))
