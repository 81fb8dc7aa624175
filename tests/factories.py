"""Small builders for test data; each adds to the session and flushes, the test commits."""
import itertools
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tracker.accounts.models import Role, User
from tracker.accounts.services import create_user
from tracker.events.models import Event, Group
from tracker.extensions import db
from tracker.invitees.services import add_invitee

_numbers = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(role: str = "organiser", email: str | None = None, name: str | None = None, office: bool = True):
    """An account; an organiser joins the team of every event made so far, as make_event's default team does
    (the tests' one office), unless office=False."""
    number = next(_numbers)
    user = create_user(email or f"{role}{number}@example.org", name or f"{role.title()} {number}", PASSWORD, role)
    db.session.flush()
    if role == Role.ORGANISER and office:
        for event in db.session.execute(select(Event)).scalars():
            join_team(event, user)
    return user


def make_event(title: str = "Infotag Digitalisierung", hall_capacity: int = 130, starts_in=timedelta(days=14), team=None,
               **fields):
    """An event; the accounts in `team` manage it. Without `team`, the tests' office: every organiser account made so
    far manages it, and so will every one made later with make_user (tests of teams name the team and make their
    accounts first or with office=False; an empty team leaves the event to administrators)."""
    starts_at = datetime.now(timezone.utc).replace(microsecond=0) + starts_in
    values = dict(
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=4),
        venue="Sitzungssaal, Rathaus",
        hall_capacity=hall_capacity,
        stream_url="https://stream.example.org/embed/infotag",
    )
    values.update(fields)
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    if team is None:
        team = db.session.execute(select(User).where(User.role == Role.ORGANISER)).scalars()
    for user in team:
        join_team(event, user)
    return event


def join_team(event, user, role: str = "manager"):
    """Put the account on the event's team with this role (as its creator or a manager would)."""
    from tracker.events.teams import EventTeamMember, member

    entry = member(event, user.id) or EventTeamMember(event_id=event.id, user_id=user.id)
    entry.role = role
    db.session.add(entry)
    db.session.flush()


def make_group(event, name: str, reserved_seats: int | None = None, **fields):
    group = Group(event=event, name=name, reserved_seats=reserved_seats, **fields)
    db.session.add(group)
    db.session.flush()
    return group


def make_invitee(event, name: str | None = None, email: str | None = None, group=None, **fields):
    number = next(_numbers)
    invitee = add_invitee(
        event, name=name or f"Person {number}", email=email or f"person{number}@muenchen.example", group=group, **fields
    )
    db.session.flush()
    return invitee


def make_registration(invitee, mode: str = "hall", status: str = "confirmed", with_ticket: bool = True, **fields):
    """A registration as the sign-up would leave it, with a valid ticket unless asked otherwise."""
    from tracker.registration.models import Registration, Ticket
    from tracker.tickets.codes import new_ticket_code

    registration = Registration(
        event_id=invitee.event_id, invitee=invitee, mode=mode if status != "declined" else None, status=status, **fields
    )
    db.session.add(registration)
    if with_ticket and status in ("confirmed", "waiting"):
        registration.tickets.append(Ticket(code=new_ticket_code()))
    db.session.flush()
    return registration
