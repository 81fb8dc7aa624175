"""The labels of the audit entries of the purge and of erasure, for the log (tracker.audit.actions).

The purge records the rows it deleted per table; each table's area labels its own key.
"""
from flask_babel import lazy_gettext as _l

from ..audit.actions import audit_labels

audit_labels(
    actions={
        "privacy.erased": _l("Personal data erased"),
        "privacy.purged": _l("Personal data deleted after the retention period"),
    },
)
