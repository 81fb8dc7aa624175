from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from ..forms import Form
from .services import MIN_PASSWORD_LENGTH


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class LogoutForm(Form):
    submit = SubmitField(_l("Log out"))


ROLE_CHOICES = [("organiser", _l("Organiser")), ("door", _l("Door staff")), ("admin", _l("Administrator"))]


class NewUserForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254), Email()])
    role = SelectField(_l("Role"), choices=[SelectChoice(*role) for role in ROLE_CHOICES])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    submit = SubmitField(_l("Create account"))


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=[SelectChoice(*role) for role in ROLE_CHOICES])
    submit = SubmitField(_l("Change role"))


class PasswordResetForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    submit = SubmitField(_l("Set new password"))


class ActiveForm(Form):
    """Deactivate or reactivate, depending on the account's state (the page shows the matching button)."""
