"""Every model, imported in one place so that Alembic and relationships see them all."""
from .accounts.models import LoginSession, Role, User  # noqa: F401
from .audit.models import AuditEntry  # noqa: F401
from .checkin.models import CheckIn, Door, DoorDevice, DoorStaffAssignment, ScanAttempt  # noqa: F401
from .dashboard.models import EventFigureSnapshot, FigureCache  # noqa: F401
from .events.models import Event, Group, StreamKind  # noqa: F401
from .events.teams import EventTeamMember, TeamRole  # noqa: F401
from .invitees.models import Invitee, InviteeSource, PendingImport  # noqa: F401
from .mail.models import InvitationBatch, MailStatus, OutboxMail  # noqa: F401
from .registration.models import ACTIVE_STATUSES, Mode, Registration, Status, Ticket  # noqa: F401
from .stream.models import StreamFigureSnapshot, ViewerMinute  # noqa: F401
