"""Door staff: the accounts that may scan, their assignment to events, and who may scan where."""
from sqlalchemy import select

from ..accounts.models import Role, User
from ..audit.services import record
from ..events.models import Event
from ..events.teams import TeamRole, role_of, visible_events
from ..extensions import db
from .models import DoorStaffAssignment


def door_staff_accounts() -> list[User]:
    return list(
        db.session.execute(select(User).where(User.role == Role.DOOR, User.active).order_by(User.name)).scalars()
    )


def assigned_staff(event: Event) -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .join(DoorStaffAssignment, DoorStaffAssignment.user_id == User.id)
            .where(DoorStaffAssignment.event_id == event.id)
            .order_by(User.name)
        ).scalars()
    )


def assign_staff(event: Event, user: User) -> None:
    if not is_assigned(user, event.id):
        db.session.add(DoorStaffAssignment(event_id=event.id, user_id=user.id))
        record("checkin.staff_assigned", event_id=event.id, staff_user_id=user.id)


def unassign_staff(event: Event, user: User) -> None:
    assignment = db.session.execute(
        select(DoorStaffAssignment).where(
            DoorStaffAssignment.event_id == event.id, DoorStaffAssignment.user_id == user.id
        )
    ).scalar_one_or_none()
    if assignment is not None:
        db.session.delete(assignment)
        record("checkin.staff_unassigned", event_id=event.id, staff_user_id=user.id)


def is_assigned(user: User, event_id: int) -> bool:
    return db.session.execute(
        select(DoorStaffAssignment.id).where(
            DoorStaffAssignment.event_id == event_id, DoorStaffAssignment.user_id == user.id
        )
    ).first() is not None


def may_scan_for(user, event_id: int) -> bool:
    """Organisers at the events they manage (administrators: all); door staff at the events they are assigned to
    (paired devices: see door_facts)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_organiser:
        return role_of(user, event_id) == TeamRole.MANAGER
    return user.role == Role.DOOR and is_assigned(user, event_id)


def events_for_door_staff(user: User) -> list[Event]:
    """The events whose doors this account may choose from: those an organiser manages, else the assigned ones."""
    if user.is_organiser:
        query = visible_events(user, roles=(TeamRole.MANAGER,))
    else:
        query = select(Event).join(DoorStaffAssignment, DoorStaffAssignment.event_id == Event.id).where(
            DoorStaffAssignment.user_id == user.id
        )
    return list(db.session.execute(query.order_by(Event.starts_at)).scalars())
