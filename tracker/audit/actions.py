"""What each audit action code means, in words for the log's readers."""
from flask_babel import lazy_gettext as _l

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
