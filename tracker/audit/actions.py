"""What each audit action code and the details recorded with it mean, in words for the log's readers."""
from datetime import datetime

from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from wtforms import SubmitField
from wtforms.fields.core import UnboundField

from ..accounts.forms import ROLE_CHOICES
from ..events.forms import EventForm, GroupForm
from ..invitations.services import INVITATION_STATE_LABELS
from ..invitees.forms import InviteeForm

#: Every action code that `tracker.audit.services.record` is called with, and its label.
ACTION_LABELS = {
    "checkin.checkout_setting": _l("Exit scans switched on or off"),
    "checkin.device_paired": _l("Door device paired"),
    "checkin.device_revoked": _l("Door device revoked"),
    "checkin.door_created": _l("Door created"),
    "checkin.moved_to_hall": _l("Moved to the hall at the door"),
    "checkin.pairing_started": _l("Device pairing started"),
    "checkin.reverted": _l("Check-in reverted"),
    "checkin.staff_assigned": _l("Door staff assigned"),
    "checkin.staff_unassigned": _l("Door staff removed"),
    "checkin.undone": _l("Check-in undone at the door"),
    "checkin.walk_in": _l("Walk-in registered at the door"),
    "demo.loaded": _l("Demo data loaded"),
    "event.copied": _l("Event copied"),
    "event.created": _l("Event created"),
    "event.deleted": _l("Event deleted"),
    "event.updated": _l("Event changed"),
    "export.attendance": _l("Attendance list exported"),
    "export.figures": _l("Figures exported"),
    "group.created": _l("Group created"),
    "group.deleted": _l("Group deleted"),
    "group.updated": _l("Group changed"),
    "invitations.invitation_batch_finished": _l("Invitations queued"),
    "invitations.invitation_batch_started": _l("Invitations started"),
    "invitations.reminder_batch_finished": _l("Reminders queued"),
    "invitations.reminder_batch_started": _l("Reminders started"),
    "invitations.resent": _l("Invitation sent again"),
    "invitations.text_changed": _l("Invitation text changed"),
    "invitee.added": _l("Invitee added"),
    "invitee.removed": _l("Invitee removed"),
    "invitee.updated": _l("Invitee changed"),
    "invitees.imported": _l("Invitee list imported"),
    "mail.requeued": _l("Mail queued again"),
    "privacy.erased": _l("Personal data erased"),
    "privacy.purged": _l("Personal data deleted after the retention period"),
    "registration.closed": _l("Registration closed"),
    "registration.deadline_changed": _l("Registration deadline changed"),
    "registration.promoted": _l("Moved up from the waiting list"),
    "registration.reopened": _l("Registration reopened"),
    "report.pdf_downloaded": _l("Report downloaded as PDF"),
    "users.created": _l("User account created"),
    "users.deactivated": _l("User account deactivated"),
    "users.password_reset": _l("Password reset"),
    "users.reactivated": _l("User account reactivated"),
    "users.role_changed": _l("Role changed"),
}


def action_label(code: str) -> str:
    """The label of an action code; the code itself for one recorded by an older version."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


#: Every key of the details that `record` is called with, and its label.
DETAIL_LABELS = {
    "account_id": _l("Account no."),
    "active": _l("Active"),
    "batch_id": _l("Mail batch no."),
    "before": _l("Before"),
    "changes": _l("Changes"),
    "checkin_id": _l("Check-in no."),
    "checkins": _l("Check-ins"),
    "cleaned_values": _l("Values cleaned on import"),
    "count": _l("Invitees imported"),
    "deleted_event_id": _l("Event no."),
    "device_id": _l("Device no."),
    "door_id": _l("Door no."),
    "enabled": _l("Switched on"),
    "event_ids": _l("Events no."),
    "fields": _l("Changed fields"),
    "format": _l("Format"),
    "group_id": _l("Group no."),
    "groups": _l("Groups"),
    "invitee_id": _l("Invitee no."),
    "invitees": _l("Invitees"),
    "length": _l("Characters"),
    "mail_id": _l("Mail no."),
    "mapped_group_values": _l("Group values assigned"),
    "max_seats": _l("Group maximum"),
    "name": _l("Name"),
    "new": _l("New"),
    "old": _l("Previously"),
    "outbox_mails": _l("Mails"),
    "pending_imports": _l("Unfinished imports"),
    "previous_state": _l("Invitation state before"),
    "queued": _l("Mails queued"),
    "registration_id": _l("Registration no."),
    "registrations": _l("Registrations"),
    "reserved_seats": _l("Reserved seats in the hall"),
    "role": _l("Role"),
    "scan_attempts": _l("Scans"),
    "scope": _l("Recipients"),
    "skipped_rows": _l("Rows skipped"),
    "source_event_id": _l("Copied from event no."),
    "staff_user_id": _l("Door staff account no."),
    "tickets": _l("Tickets"),
    "title": _l("Title"),
    "total": _l("Recipients in all"),
    "viewer_minutes": _l("Viewer minutes"),
}

#: Labels of the codes that some details hold, by detail key.
VALUE_LABELS = {
    "role": dict(ROLE_CHOICES),
    "previous_state": INVITATION_STATE_LABELS,
    "scope": {"all": _l("Everybody due"), "group": _l("One group"), "selected": _l("Selected invitees")},
    "before": {"waiting/hall": _l("Waiting list"), "confirmed/stream": _l("Livestream")},
}


def _form_labels(*forms) -> dict:
    """The labels of the forms' fields, by field name (the names that changes and changed fields name)."""
    labels = {}
    for form in forms:
        for name, field in vars(form).items():
            if isinstance(field, UnboundField) and field.args and field.field_class is not SubmitField:
                labels.setdefault(name, field.args[0])
    return labels


#: Labels of the fields that the changes of an event or a group and the changed fields of an invitee name.
FIELD_LABELS = {**_form_labels(EventForm, GroupForm, InviteeForm), "group": _l("Group")}


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
