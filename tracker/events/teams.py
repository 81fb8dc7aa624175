"""The team of an event: the organiser accounts that may see it (readers) or also change it (managers).

Who may see an event is decided in tracker.web.event_view with `role_of`; administrators see every event and need
no place in a team. An event always keeps at least one manager once it has one (the last cannot leave).
"""
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from sqlalchemy import CheckConstraint, ForeignKey, Select, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Role, User
from ..accounts.services import find_user
from ..audit.services import record
from ..database import lock_row
from ..extensions import db
from .models import Event


class TeamRole(StrEnum):
    MANAGER = "manager"
    READER = "reader"


#: The roles in words, for the team page and the audit log.
TEAM_ROLE_LABELS = {
    TeamRole.MANAGER: _l("Manager (everything)"),
    TeamRole.READER: _l("Read access (dashboard, report, exports)"),
}


class EventTeamMember(db.Model):
    __tablename__ = "event_team_members"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_event_team_members_event_user"),
        CheckConstraint("role IN ('manager', 'reader')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The event this account belongs to the team of.
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: The organiser account; its team places go with it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: manager: every page of the event, changes included; reader: dashboard, report and exports, read only.
    role: Mapped[str] = mapped_column(String(10), default=TeamRole.MANAGER)

    user: Mapped[User] = relationship()


class LastManagerError(ValueError):
    """The change would leave the event without a manager."""


def role_of(user: User, event_id: int) -> str | None:
    """The account's team role at this event: manager for administrators, none for outsiders."""
    if user.is_admin:
        return TeamRole.MANAGER
    return db.session.execute(
        select(EventTeamMember.role).where(EventTeamMember.event_id == event_id, EventTeamMember.user_id == user.id)
    ).scalar_one_or_none()


def visible_events(user: User, roles=tuple(TeamRole)) -> Select:
    """The events this account may see (with one of these team roles), a select of Event; administrators: all."""
    query = select(Event)
    if not user.is_admin:
        query = query.join(EventTeamMember, EventTeamMember.event_id == Event.id).where(
            EventTeamMember.user_id == user.id, EventTeamMember.role.in_(roles)
        )
    return query


def read_only_events(user: User) -> set[int]:
    """The ids of the events this account may only read (its reader places; administrators: none)."""
    if user.is_admin:
        return set()
    return set(db.session.execute(select(EventTeamMember.event_id).where(
        EventTeamMember.user_id == user.id, EventTeamMember.role == TeamRole.READER
    )).scalars())


def members(event: Event) -> list[EventTeamMember]:
    """The event's team, managers first, then by name."""
    return list(db.session.execute(
        select(EventTeamMember).join(EventTeamMember.user).where(EventTeamMember.event_id == event.id)
        .order_by(EventTeamMember.role, User.name, User.id)
    ).scalars())


def organiser_by_email(email: str) -> User | None:
    """The active organiser account with this address (any case), else none."""
    user = find_user(email)
    return user if user is not None and user.role == Role.ORGANISER and user.active else None


def member(event: Event, user_id: int) -> EventTeamMember | None:
    return db.session.execute(
        select(EventTeamMember).where(EventTeamMember.event_id == event.id, EventTeamMember.user_id == user_id)
    ).scalar_one_or_none()


def add_creator(event: Event, creator: User) -> None:
    """The new event's creator manages it; the entry that records the creation names them (no entry of its own)."""
    db.session.add(EventTeamMember(event_id=event.id, user_id=creator.id, role=TeamRole.MANAGER))
    db.session.flush()


def add_member(event: Event, user: User, role: str) -> EventTeamMember:
    """Put a colleague's account on the team."""
    entry = EventTeamMember(event_id=event.id, user_id=user.id, role=role)
    db.session.add(entry)
    db.session.flush()
    record("team.member_added", event_id=event.id, member_user_id=user.id, team_role=role)
    return entry


def _last_manager(entry: EventTeamMember) -> bool:
    """Whether this place is the event's only manager (counted under the event's row lock: two removals at once
    cannot both pass)."""
    if entry.role != TeamRole.MANAGER:
        return False
    lock_row(Event, entry.event_id)
    return db.session.execute(select(func.count()).where(
        EventTeamMember.event_id == entry.event_id, EventTeamMember.role == TeamRole.MANAGER
    )).scalar_one() == 1


def change_role(entry: EventTeamMember, role: str) -> None:
    """Make a member manager or reader; the last manager stays one (LastManagerError)."""
    if entry.role == role:
        return
    if _last_manager(entry):
        raise LastManagerError()
    record("team.role_changed", event_id=entry.event_id, member_user_id=entry.user_id, team_role=role,
           previous_team_role=entry.role)
    entry.role = role
    db.session.flush()


def remove_member(entry: EventTeamMember) -> None:
    """Take a member off the team; not the last manager (LastManagerError)."""
    if _last_manager(entry):
        raise LastManagerError()
    record("team.member_removed", event_id=entry.event_id, member_user_id=entry.user_id, team_role=entry.role)
    db.session.delete(entry)
    db.session.flush()
