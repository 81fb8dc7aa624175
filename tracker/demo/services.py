"""Loading the demo: accounts, the seed's two info days and their invitees, all from a seeded random generator.

Each scenario in SCENARIOS builds one event through the helpers of `builders`; add a scenario by appending a function
that takes the DemoContext. Demo days fall on weekdays; the demo door account scans at the upcoming info day.
"""
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..accounts.services import create_user, find_user
from ..audit.services import record
from ..checkin.devices import create_door
from ..checkin.staff import assign_staff
from ..events.models import Event
from ..events.teams import add_creator
from ..extensions import db
from ..registration.models import Mode, Status
from . import data
from .builders import (
    DemoContext, add_groups, add_people, add_registration, add_speakers, berlin_time, next_date, weekday_from,
)
from .outcome import finished_info_day

SEED = 20190117


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    password: str


#: Fixed demo logins, printed by `flask demo load` (and so by `make run`). Demo use only.
DEMO_ACCOUNTS = (
    DemoAccount(Role.ORGANISER, "orga@demo.example", "Demo-Organisationsteam", "infotag-demo-orga"),
    DemoAccount(Role.DOOR, "einlass@demo.example", "Demo-Einlasspersonal", "infotag-demo-einlass"),
)


def database_is_empty() -> bool:
    """No events and no accounts yet (a fresh installation)."""
    has_events = db.session.execute(select(func.count()).select_from(Event)).scalar_one()
    has_users = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    return not has_events and not has_users


def demo_accounts_exist() -> bool:
    return find_user(DEMO_ACCOUNTS[0].email) is not None


def upcoming_info_day(ctx: DemoContext) -> Event:
    """The next info day, on the weekday from the next 17 January: four groups, ~330 invitees, two doors.

    The speakers have answered already (hall seats with tickets), so the demo door account, assigned to its
    doors, has guests to admit; everybody else is still to be invited.
    """
    day = weekday_from(next_date(ctx.today, 1, 17))
    event = Event(
        title="2. Infotag Digitalisierung",
        description=data.DESCRIPTION,
        agenda=data.AGENDA,
        starts_at=berlin_time(day, 9, 30),
        ends_at=berlin_time(day, 13, 45),
        venue="Sitzungssaal, Rathaus, Marienplatz 8, München",
        hall_capacity=150,
        livestream=True,
        stream_url="https://stream.muenchen.example/infotag-digitalisierung/embed",
        registration_deadline=berlin_time(day - timedelta(days=7), 23, 59),
        quota_release_at=berlin_time(day - timedelta(days=5), 12, 0),
        self_registration=True,
        self_registration_domains=data.CITY_DOMAIN,
    )
    db.session.add(event)
    groups = add_groups(event, data.GROUPS)
    add_people(ctx, event, groups["Stadtrat"], 40, ("Stadtrat",), data.COUNCIL_DOMAIN)
    add_people(ctx, event, groups["Referats- und Betriebsleitungen"], 21,
               data.DEPARTMENTS + data.MUNICIPAL_COMPANIES, data.CITY_DOMAIN)
    speakers = add_speakers(ctx, event, groups["Speaker"])
    add_people(ctx, event, groups["Beschäftigte"], 260, data.DEPARTMENTS + data.MUNICIPAL_COMPANIES, data.CITY_DOMAIN)
    db.session.flush()
    answered_at = berlin_time(ctx.today - timedelta(days=1), 10)
    for speaker in speakers:
        speaker.invited_at = answered_at - timedelta(days=1)
        add_registration(speaker, Mode.HALL, Status.CONFIRMED, answered_at)
    for name in data.DOORS:
        create_door(event, name)
    if ctx.door_staff is not None:
        assign_staff(event, ctx.door_staff)
    db.session.flush()
    return event


#: Every demo event, built in this order: the finished first info day, then the upcoming one.
SCENARIOS: list[Callable[[DemoContext], Event]] = [finished_info_day, upcoming_info_day]


def load_demo(today: date | None = None) -> list[Event]:
    """Create the demo accounts and every scenario's event in the caller's transaction; the demo organiser
    manages every demo event."""
    users = [create_user(account.email, account.name, account.password, account.role) for account in DEMO_ACCOUNTS]
    door_staff = next(user for user in users if user.role == Role.DOOR)
    organiser = next(user for user in users if user.role == Role.ORGANISER)
    db.session.flush()
    ctx = DemoContext(rng=random.Random(SEED), today=today or date.today(), door_staff=door_staff)
    events = [scenario(ctx) for scenario in SCENARIOS]
    for event in events:
        add_creator(event, organiser)
    record("demo.loaded", actor="System", event_ids=[event.id for event in events])
    return events
