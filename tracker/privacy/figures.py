"""An event's anonymous totals: live from the personal rows, or from the snapshot once they are purged."""
from sqlalchemy import func, select

from ..checkin.models import CheckIn, ScanAttempt
from ..events.models import Event, Group
from ..extensions import db
from ..invitees.models import Invitee
from ..mail.models import MailStatus, OutboxMail
from ..registration.models import Registration
from .models import EventFigureSnapshot

NO_GROUP = ""


def _counts(query) -> dict[str, int]:
    return {str(key if key is not None else NO_GROUP): count for key, count in db.session.execute(query)}


def _answer_key(status: str, mode: str | None) -> str:
    return f"{status}:{mode or '-'}"


def event_totals(event: Event) -> dict:
    """Counts of invitees, answers, check-ins, scans and mails, overall and per group (by name)."""
    groups = select(Group.id, Group.name).where(Group.event_id == event.id).subquery()
    present = CheckIn.reverted_at.is_(None)
    return {
        "invitees": db.session.scalar(select(func.count()).where(Invitee.event_id == event.id)) or 0,
        "invitees_by_source": _counts(
            select(Invitee.source, func.count()).where(Invitee.event_id == event.id).group_by(Invitee.source)
        ),
        "answers": {
            _answer_key(status, mode): count
            for status, mode, count in db.session.execute(
                select(Registration.status, Registration.mode, func.count())
                .where(Registration.event_id == event.id)
                .group_by(Registration.status, Registration.mode)
            )
        },
        "answers_by_group": {
            (group or NO_GROUP) + "|" + _answer_key(status, mode): count
            for group, status, mode, count in db.session.execute(
                select(groups.c.name, Registration.status, Registration.mode, func.count())
                .select_from(Registration)
                .join(Invitee, Invitee.id == Registration.invitee_id)
                .outerjoin(groups, groups.c.id == Invitee.group_id)
                .where(Registration.event_id == event.id)
                .group_by(groups.c.name, Registration.status, Registration.mode)
            )
        },
        "present": db.session.scalar(select(func.count()).where(CheckIn.event_id == event.id, present)) or 0,
        "present_by_group": _counts(
            select(groups.c.name, func.count())
            .select_from(CheckIn)
            .join(Registration, Registration.id == CheckIn.registration_id)
            .join(Invitee, Invitee.id == Registration.invitee_id)
            .outerjoin(groups, groups.c.id == Invitee.group_id)
            .where(CheckIn.event_id == event.id, present)
            .group_by(groups.c.name)
        ),
        "checked_out": db.session.scalar(
            select(func.count()).where(CheckIn.event_id == event.id, present, CheckIn.checked_out_at.is_not(None))
        )
        or 0,
        "checkins_by_method": _counts(
            select(CheckIn.method, func.count()).where(CheckIn.event_id == event.id, present).group_by(CheckIn.method)
        ),
        "scans_by_verdict": _counts(
            select(ScanAttempt.verdict, func.count()).where(ScanAttempt.event_id == event.id).group_by(ScanAttempt.verdict)
        ),
        "mails_sent_by_kind": _counts(
            select(OutboxMail.kind, func.count())
            .where(OutboxMail.event_id == event.id, OutboxMail.status == MailStatus.SENT)
            .group_by(OutboxMail.kind)
        ),
    }


def totals_for(event: Event) -> dict:
    """The totals to show: the snapshot of a purged event, else counted now."""
    if event.purged_at is not None:
        snapshot = db.session.get(EventFigureSnapshot, event.id)
        if snapshot is not None:
            return snapshot.figures
    return event_totals(event)
