"""The base of every form: text typed by people holds no control characters and no direction overrides.

C0 control characters and DEL have no place in a name, a title or an address (CR/LF in a title once reached a
mail's subject); the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) can make a text read
differently from what it is. Multi-line fields (TextAreaField) keep line breaks and tabs.
"""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

_DIRECTION_OVERRIDES = "\u202a-\u202e\u2066-\u2069"
_FORBIDDEN_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f{_DIRECTION_OVERRIDES}]")
_FORBIDDEN_IN_A_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{_DIRECTION_OVERRIDES}]")

FORBIDDEN_CHARACTERS_MESSAGE = _l(
    "Please remove control characters (such as line breaks) and direction marks from this field."
)


def has_forbidden_characters(text: str, multi_line: bool = False) -> bool:
    """Whether the text holds a control character (line breaks and tabs allowed if multi_line) or an override."""
    return bool((_FORBIDDEN_IN_A_TEXT if multi_line else _FORBIDDEN_IN_A_LINE).search(text))


class Form(FlaskForm):
    """A Flask-WTF form whose text fields refuse control characters and direction overrides, with a message."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field, StringField) and isinstance(field.data, str):
                if has_forbidden_characters(field.data, multi_line=isinstance(field, TextAreaField)):
                    field.errors = [*field.errors, FORBIDDEN_CHARACTERS_MESSAGE]
                    valid = False
        return valid
