"""The labels of the audit entries of user accounts, for the log (tracker.audit.actions)."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels
from .forms import ROLE_CHOICES

audit_labels(
    actions={
        "users.created": _l("User account created"),
        "users.deactivated": _l("User account deactivated"),
        "users.password_reset": _l("Password reset"),
        "users.reactivated": _l("User account reactivated"),
        "users.role_changed": _l("Role changed"),
        "users.sessions_ended": _l("All sessions ended"),
    },
    details={"account_id": _l("Account no."), "active": _l("Active"), "role": _l("Role")},
    values={"role": dict(ROLE_CHOICES)},
)
