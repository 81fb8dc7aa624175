"""The labels of the audit entries of exports, the report and copied events, for the log (tracker.audit.actions)."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels

audit_labels(
    actions={
        "event.copied": _l("Event copied"),
        "export.attendance": _l("Attendance list exported"),
        "export.figures": _l("Figures exported"),
        "report.pdf_downloaded": _l("Report downloaded as PDF"),
    },
    details={"format": _l("Format"), "source_event_id": _l("Copied from event no.")},
)
