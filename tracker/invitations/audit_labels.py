"""The labels of the audit entries of the invitations tab (batches, resending, mails queued again), for the log."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels
from .services import INVITATION_STATE_LABELS

audit_labels(
    actions={"mail.requeued": _l("Mail queued again")},
    details={"mail_id": _l("Mail no."), "outbox_mails": _l("Mails")},
)

audit_labels(
    actions={
        "invitations.invitation_batch_finished": _l("Invitations queued"),
        "invitations.invitation_batch_started": _l("Invitations started"),
        "invitations.reminder_batch_finished": _l("Reminders queued"),
        "invitations.reminder_batch_started": _l("Reminders started"),
        "invitations.resent": _l("Invitation sent again"),
        "invitations.text_changed": _l("Invitation text changed"),
    },
    details={
        "batch_id": _l("Mail batch no."),
        "length": _l("Characters"),
        "previous_state": _l("Invitation state before"),
        "queued": _l("Mails queued"),
        "scope": _l("Recipients"),
        "total": _l("Recipients in all"),
    },
    values={
        "previous_state": INVITATION_STATE_LABELS,
        "scope": {"all": _l("Everybody due"), "group": _l("One group"), "selected": _l("Selected invitees")},
    },
)
