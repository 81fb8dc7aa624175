"""The label of the viewer minutes that the privacy purge counts, for the log (tracker.audit.actions)."""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels

audit_labels(details={"viewer_minutes": _l("Viewer minutes")})
