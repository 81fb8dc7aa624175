"""The labels of the audit entry of loading the demo, for the log (tracker.audit.actions)."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels

audit_labels(actions={"demo.loaded": _l("Demo data loaded")}, details={"event_ids": _l("Events no.")})
