"""The labels of the audit entries of events and groups, for the log (tracker.audit.actions)."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels, form_labels
from .forms import EventForm, GroupForm

audit_labels(
    actions={
        "event.created": _l("Event created"),
        "event.deleted": _l("Event deleted"),
        "event.updated": _l("Event changed"),
        "group.created": _l("Group created"),
        "group.deleted": _l("Group deleted"),
        "group.updated": _l("Group changed"),
    },
    details={
        "deleted_event_id": _l("Event no."),
        "group_id": _l("Group no."),
        "groups": _l("Groups"),
        "max_seats": _l("Group maximum"),
        "name": _l("Name"),
        "reserved_seats": _l("Reserved seats in the hall"),
        "title": _l("Title"),
    },
    fields=form_labels(EventForm, GroupForm),
)
