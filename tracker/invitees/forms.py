"""Organiser forms for the invitee list: upload, single invitee, search."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import EmailField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import Form
from .imports import MAX_IMPORT_BYTES
from .parsing import MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, MAX_UNIT_LENGTH, normalize_email

LANGUAGE_CHOICES = [SelectChoice("de", _l("German")), SelectChoice("en", _l("English"))]


def _clean(value):
    """Text with white space collapsed, as the import stores it."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _no_control_characters(form, field):
    if field.data and any(ord(c) < 32 or 127 <= ord(c) < 160 for c in field.data):
        raise ValidationError(_l("Contains characters that cannot be stored (control characters)."))


class ImportForm(Form):
    file = FileField(
        _l("File with the invitees (CSV or Excel)"),
        validators=[
            FileRequired(_l("Please choose a file.")),
            FileAllowed(["csv", "txt", "xlsx"], _l("Please upload a CSV file or an Excel workbook (.xlsx).")),
            FileSize(MAX_IMPORT_BYTES, message=_l("The file is larger than %(mb)s MB.", mb=MAX_IMPORT_BYTES // 2**20)),
        ],
    )
    submit = SubmitField(_l("Check file"))


class InviteeForm(Form):
    name = StringField(_l("Name"), filters=[_clean],
                       validators=[DataRequired(), Length(max=MAX_NAME_LENGTH), _no_control_characters])
    email = EmailField(_l("E-mail address"), filters=[_clean],
                       validators=[DataRequired(), Length(max=MAX_EMAIL_LENGTH), _no_control_characters])
    unit = StringField(_l("Unit"), filters=[_clean], validators=[Length(max=MAX_UNIT_LENGTH), _no_control_characters])
    group_id = SelectField(_l("Group"))
    language = SelectField(_l("Language of mails and pages"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Save"))

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = [SelectChoice("", _l("No group"))] + [
            SelectChoice(str(group.id), group.name) for group in groups
        ]

    def validate_email(self, field):
        normalized = normalize_email(field.data)
        if normalized is None:
            raise ValidationError(_l("This is not a valid e-mail address."))
        field.data = normalized

    @property
    def values(self) -> dict:
        """The invitee's columns as the service takes them."""
        return {
            "name": self.name.data,
            "email": self.email.data,
            "unit": self.unit.data,
            "group_id": int(self.group_id.data) if self.group_id.data else None,
            "language": self.language.data,
        }


class SearchForm(Form):
    """The list's filter; a GET form without CSRF, so its address can be bookmarked."""

    class Meta:
        csrf = False

    q = StringField(_l("Search name, e-mail or unit"), filters=[_clean], validators=[Length(max=200)])
    group = SelectField(_l("Group"), validate_choice=False)
