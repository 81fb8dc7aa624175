"""The labels of the door's audit entries, for the log (tracker.audit.actions)."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels

audit_labels(
    actions={
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
    },
    details={
        "before": _l("Before"),
        "checkin_id": _l("Check-in no."),
        "checkins": _l("Check-ins"),
        "device_id": _l("Device no."),
        "door_id": _l("Door no."),
        "enabled": _l("Switched on"),
        "scan_attempts": _l("Scans"),
        "staff_user_id": _l("Door staff account no."),
    },
    values={"before": {"waiting/hall": _l("Waiting list"), "confirmed/stream": _l("Livestream")}},
)
