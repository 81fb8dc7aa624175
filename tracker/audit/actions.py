"""What each audit action code and the details recorded with it mean, in words for the log's readers.

The labels are a registry: each area adds those of its own entries with audit_labels(...) at import time of its
views module, so this module imports no area.
"""
from collections.abc import Mapping
from datetime import datetime

from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from wtforms import SubmitField
from wtforms.fields.core import UnboundField

#: Every action code that `tracker.audit.services.record` is called with, and its label.
ACTION_LABELS: dict[str, object] = {}
#: Every key of the details that `record` is called with, and its label; the two below are shown by this module.
DETAIL_LABELS: dict[str, object] = {"changes": _l("Changes"), "fields": _l("Changed fields")}
#: Labels of the codes that some details hold, by detail key.
VALUE_LABELS: dict[str, dict] = {}
#: Labels of the field names that "changes" and "fields" name.
FIELD_LABELS: dict[str, object] = {}


def audit_labels(*, actions: Mapping = {}, details: Mapping = {}, values: Mapping = {}, fields: Mapping = {}) -> None:
    """Register the labels of an area's audit entries (call at import time): its action codes, its detail keys,
    the codes that a detail holds (by key) and the field names that its changes name.

    A name that two areas share must have the same label in both; a different one is an error.
    """
    for registry, labels in (
        (ACTION_LABELS, actions), (DETAIL_LABELS, details), (VALUE_LABELS, values), (FIELD_LABELS, fields)
    ):
        clashes = sorted(name for name, label in labels.items() if name in registry and str(registry[name]) != str(label))
        if clashes:
            raise ValueError(f"audit labels given twice, differently: {', '.join(clashes)}")
        registry.update(labels)


def form_labels(*forms) -> dict:
    """The labels of the forms' fields, by field name (the names that changes and changed fields name)."""
    labels = {}
    for form in forms:
        for name, field in vars(form).items():
            if isinstance(field, UnboundField) and field.args and field.field_class is not SubmitField:
                labels.setdefault(name, field.args[0])
    return labels


def action_label(code: str) -> str:
    """The label of an action code; the code itself for one recorded by an older version."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def detail_label(key: str) -> str:
    """The label of a detail key; the key itself for one recorded by an older version."""
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key


def detail_value(value, key: str = "") -> str:
    """A detail's value as the log shows it: codes and field names in words, times in the event's zone."""
    if key in VALUE_LABELS and isinstance(value, str):
        return str(VALUE_LABELS[key].get(value, value))
    if key == "fields" and isinstance(value, list):
        return ", ".join(str(FIELD_LABELS.get(name, name)) for name in value)
    if key == "changes" and isinstance(value, dict):
        return "; ".join(f"{FIELD_LABELS.get(name, name)}: {_change(change)}" for name, change in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    return _plain(value)


def _change(change) -> str:
    """A recorded [before, after] pair as "before → after"."""
    if isinstance(change, list) and len(change) == 2:
        return f"{_plain(change[0])} → {_plain(change[1])}"
    return _plain(change)


#: Longer texts (an agenda, a description) are cut in the log; the event page has them whole.
SHOWN_TEXT_LENGTH = 120


def _plain(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and len(value) >= 16 and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return format_datetime(moment, "short")
    text = str(value)
    return text if len(text) <= SHOWN_TEXT_LENGTH else text[: SHOWN_TEXT_LENGTH - 1].rstrip() + "…"

