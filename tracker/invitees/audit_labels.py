"""The labels of the audit entries of the invitee list and its imports, for the log (tracker.audit.actions)."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels, form_labels
from .forms import InviteeForm

audit_labels(
    actions={
        "invitee.added": _l("Invitee added"),
        "invitee.removed": _l("Invitee removed"),
        "invitee.updated": _l("Invitee changed"),
        "invitees.imported": _l("Invitee list imported"),
    },
    details={
        "cleaned_values": _l("Values cleaned on import"),
        "count": _l("Invitees imported"),
        "invitee_id": _l("Invitee no."),
        "invitees": _l("Invitees"),
        "mapped_group_values": _l("Group values assigned"),
        "pending_imports": _l("Unfinished imports"),
        "skipped_rows": _l("Rows skipped"),
    },
    fields={**form_labels(InviteeForm), "group": _l("Group")},
)
