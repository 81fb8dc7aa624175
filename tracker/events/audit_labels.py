"""The labels of the audit entries of events and groups, for the log (tracker.audit.actions)."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels, form_labels
from .forms import EventForm, GroupForm
from .teams import TEAM_ROLE_LABELS

audit_labels(
    actions={
        "event.created": _l("Event created"),
        "event.deleted": _l("Event deleted"),
        "event.updated": _l("Event changed"),
        "group.created": _l("Group created"),
        "group.deleted": _l("Group deleted"),
        "group.updated": _l("Group changed"),
        "team.member_added": _l("Team member added"),
        "team.member_removed": _l("Team member removed"),
        "team.role_changed": _l("Team role changed"),
    },
    details={
        "deleted_event_id": _l("Event no."),
        "group_id": _l("Group no."),
        "groups": _l("Groups"),
        "max_seats": _l("Group maximum"),
        "member_user_id": _l("Team member account no."),
        "name": _l("Name"),
        "previous_team_role": _l("Previous team role"),
        "reserved_seats": _l("Reserved seats in the hall"),
        "team_role": _l("Team role"),
        "title": _l("Title"),
    },
    values={name: TEAM_ROLE_LABELS for name in ("team_role", "previous_team_role")},
    fields=form_labels(EventForm, GroupForm),
)
