"""Organiser forms of the invitations tab: the batch asked for and the event's own invitation text."""
import re

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from wtforms import Field, HiddenField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, Length, Regexp, ValidationError

from ..events.models import Event
from ..forms import Form
from ..mail.models import BatchKind, BatchScope
from ..web import whole_number

#: Longest invitation text: a few paragraphs, not a newsletter.
MAX_INVITATION_TEXT = 5000
#: At most this many invitees can be picked by hand in one go (one page of the list is far less).
MAX_SELECTED = 1000
SUBMISSION_KEY = re.compile(r"^[0-9a-f]{32}$")
_EXPIRED = _l("The form has expired. Please reload the page and try again.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class InvitationTextForm(Form):
    text = TextAreaField(_l("Invitation text"), filters=[_strip], validators=[Length(max=MAX_INVITATION_TEXT)])
    submit = SubmitField(_l("Save the text"))


class IdListField(Field):
    """Every posted value of the name that is a number, in the order posted (others are left out)."""

    def process_formdata(self, valuelist):
        self.data = [number for number in map(whole_number, valuelist) if number is not None]


class BatchForm(Form):
    """The batch of invitations or reminders asked for, on the confirmation step and at the start."""

    kind = HiddenField(validators=[AnyOf(list(BatchKind), message=_EXPIRED)])
    scope = HiddenField(validators=[AnyOf(list(BatchScope), message=_EXPIRED)])
    submission_key = HiddenField(validators=[Regexp(SUBMISSION_KEY, message=_EXPIRED)])
    group_id = HiddenField(filters=[whole_number])
    invitee_id = IdListField(default=list)

    def __init__(self, event: Event, **kwargs):
        super().__init__(**kwargs)
        self.group_ids = {group.id for group in event.groups}

    def validate_group_id(self, field):
        if self.scope.data == BatchScope.GROUP and field.data not in self.group_ids:
            raise ValidationError(gettext("Please choose a group."))

    def validate_invitee_id(self, field):
        if self.scope.data == BatchScope.SELECTED and not field.data:
            raise ValidationError(gettext("Please select at least one person in the list."))
        if len(field.data) > MAX_SELECTED:
            raise ValidationError(ngettext(
                "Please select at most %(num)s person at once.", "Please select at most %(num)s people at once.",
                MAX_SELECTED,
            ))

    def problem(self) -> str | None:
        """What is wrong with the batch asked for, the first thing only; None when it can be started."""
        if self.validate():
            return None
        return str(next(error for field in self for error in field.errors))

    @property
    def values(self) -> dict:
        """The batch as the services and the confirmation page take it."""
        return {
            "kind": self.kind.data, "scope": self.scope.data, "submission_key": self.submission_key.data,
            "group_id": self.group_id.data, "invitee_ids": self.invitee_id.data,
        }
