"""The labels of the audit entries of registration and its tickets, for the log (tracker.audit.actions)."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels

audit_labels(
    actions={
        "registration.closed": _l("Registration closed"),
        "registration.deadline_changed": _l("Registration deadline changed"),
        "registration.promoted": _l("Moved up from the waiting list"),
        "registration.reopened": _l("Registration reopened"),
    },
    details={
        "new": _l("New"),
        "old": _l("Previously"),
        "registration_id": _l("Registration no."),
        "registrations": _l("Registrations"),
        "tickets": _l("Tickets"),
    },
)
