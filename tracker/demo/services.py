"""Loading the demo: accounts, the seed's two info days and their invitees, all from a seeded random generator.

Each scenario in SCENARIOS builds one event through the helpers below; add a scenario by appending a function
that takes the DemoContext. Demo days fall on weekdays; the demo door account scans at the upcoming info day.
"""
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..accounts.services import create_user, find_user
from ..audit.services import record
from ..checkin.devices import create_door
from ..checkin.staff import assign_staff
from ..events.models import Event, Group
from ..extensions import db
from ..invitees.models import Invitee, InviteeSource
from ..invitees.services import add_invitee
from ..registration.models import Mode, Registration, Status, Ticket
from ..tickets.codes import new_ticket_code
from . import data

SEED = 20190117
BERLIN = ZoneInfo("Europe/Berlin")


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


@dataclass
class DemoContext:
    """What every scenario builds on: one random generator, today's date, the e-mail addresses used so far."""

    rng: random.Random
    today: date
    #: The demo door-staff account, assigned to the doors of the upcoming info day.
    door_staff: User | None = None
    used_emails: set[str] = field(default_factory=set)


def database_is_empty() -> bool:
    """No events and no accounts yet (a fresh installation)."""
    has_events = db.session.execute(select(func.count()).select_from(Event)).scalar_one()
    has_users = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    return not has_events and not has_users


def demo_accounts_exist() -> bool:
    return find_user(DEMO_ACCOUNTS[0].email) is not None


def berlin_time(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Munich as aware UTC."""
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(timezone.utc)


def next_date(today: date, month: int, day: int, at_least_days: int = 28) -> date:
    """The next month/day that is at least the given number of days away."""
    candidate = date(today.year, month, day)
    while (candidate - today).days < at_least_days:
        candidate = date(candidate.year + 1, month, day)
    return candidate


def weekday_from(day: date, step: int = 1) -> date:
    """The day itself if it is Monday to Friday, else the next (step 1) or previous (step -1) such day."""
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def ascii_local_part(*names: str) -> str:
    """e.g. ("Jürgen", "Weiß") -> "juergen.weiss"."""
    text = ".".join(names).lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.replace(" ", "-") if c.isalnum() or c in ".-")


def unique_email(ctx: DemoContext, local_part: str, domain: str) -> str:
    """local@domain, numbered if that address is taken already."""
    email, number = f"{local_part}@{domain}", 1
    while email in ctx.used_emails:
        number += 1
        email = f"{local_part}{number}@{domain}"
    ctx.used_emails.add(email)
    return email


def add_groups(event: Event, specs: list[tuple[str, int | None, int]]) -> dict[str, Group]:
    """Groups from (name, reserved seats, waiting priority), in the given order."""
    groups = {}
    for position, (name, reserved, priority) in enumerate(specs, start=1):
        groups[name] = Group(event=event, name=name, reserved_seats=reserved, waiting_priority=priority,
                             position=position)
        db.session.add(groups[name])
    db.session.flush()
    return groups


def add_people(ctx: DemoContext, event: Event, group: Group, count: int, units: tuple[str, ...], domain: str,
               english_share: float = 0.05) -> list[Invitee]:
    """Synthetic invitees with plausible German names, spread over the given units."""
    people = []
    for index in range(count):
        first, last = ctx.rng.choice(data.FIRST_NAMES), ctx.rng.choice(data.LAST_NAMES)
        people.append(add_invitee(
            event,
            name=f"{first} {last}",
            email=unique_email(ctx, ascii_local_part(first, last), domain),
            unit=units[index % len(units)] if index < len(units) else ctx.rng.choice(units),
            group=group,
            language="en" if ctx.rng.random() < english_share else "de",
            source=InviteeSource.IMPORT,
        ))
    return people


def add_registration(invitee: Invitee, mode: str | None, status: str, answered_at: datetime) -> Registration:
    """An answer given at the time; confirmed and waiting registrations get their ticket."""
    registration = Registration(
        event_id=invitee.event_id, invitee=invitee, mode=mode, status=status, created_at=answered_at,
        updated_at=answered_at, waiting_since=answered_at if status == Status.WAITING else None,
    )
    if status in (Status.CONFIRMED, Status.WAITING):
        registration.tickets.append(Ticket(code=new_ticket_code(), issued_at=answered_at))
    db.session.add(registration)
    return registration


def add_speakers(ctx: DemoContext, event: Event, group: Group) -> list[Invitee]:
    """One speaker per organisation of the seed (ADAC, BMW, UnternehmerTUM, Siemens, IHK, Münchener Rück)."""
    speakers = []
    for organisation, domain in data.SPEAKER_ORGANISATIONS:
        first, last = ctx.rng.choice(data.FIRST_NAMES), ctx.rng.choice(data.LAST_NAMES)
        speakers.append(add_invitee(
            event, name=f"{first} {last}", email=unique_email(ctx, ascii_local_part(first, last), domain),
            unit=organisation, group=group, source=InviteeSource.MANUAL,
        ))
    return speakers


DESCRIPTION = (
    "Welche Rahmenbedingungen sind wichtig? Was können wir von anderen Organisationen lernen? "
    "Welche Maßnahmen sind erfolgsrelevant?\n\n"
    "Der IT-Referent lädt den Stadtrat, die Leitungen der Referate und Eigenbetriebe sowie interessierte "
    "Kolleginnen und Kollegen der Landeshauptstadt München ein, diese Themen gemeinsam mit Speakern von ADAC, "
    "BMW, UnternehmerTUM, Siemens, IHK und Münchener Rück zu diskutieren. Motto: „München. Digital. Erleben.“\n\n"
    "Die Plätze im Sitzungssaal sind begrenzt; alle Vorträge werden im Livestream übertragen."
)

AGENDA = "\n".join((
    "09:30 Begrüßung durch den IT-Referenten",
    "09:45 Ergebnisse des 1. Futurcamps der Stadtverwaltung",
    "10:15 ADAC: Digitalisierung – Silos abbauen und Kultur verändern",
    "10:45 BMW",
    "11:15 Pause",
    "11:30 UnternehmerTUM",
    "12:00 Siemens",
    "12:25 IHK für München und Oberbayern",
    "12:50 Münchener Rück",
    "13:15 Diskussion",
    "13:45 Ende",
))


#: The doors of both info days.
DOORS = ("Eingang Marienplatz", "Eingang Landschaftstraße")


def upcoming_info_day(ctx: DemoContext) -> Event:
    """The next info day, on the weekday from the next 17 January: four groups, ~330 invitees, two doors.

    The speakers have answered already (hall seats with tickets), so the demo door account, assigned to its
    doors, has guests to admit; everybody else is still to be invited.
    """
    day = weekday_from(next_date(ctx.today, 1, 17))
    event = Event(
        title="2. Infotag Digitalisierung",
        description=DESCRIPTION,
        agenda=AGENDA,
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
    groups = add_groups(event, [
        ("Stadtrat", 40, 30),
        ("Referats- und Betriebsleitungen", 25, 20),
        ("Speaker", 6, 10),
        ("Beschäftigte", None, 0),
    ])
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
    for name in DOORS:
        create_door(event, name)
    if ctx.door_staff is not None:
        assign_staff(event, ctx.door_staff)
    db.session.flush()
    return event


from .outcome import finished_info_day  # noqa: E402  (the scenario builds on the helpers above)

#: Every demo event, built in this order: the finished first info day, then the upcoming one.
SCENARIOS: list[Callable[[DemoContext], Event]] = [finished_info_day, upcoming_info_day]


def load_demo(today: date | None = None) -> list[Event]:
    """Create the demo accounts and every scenario's event in the caller's transaction."""
    users = [create_user(account.email, account.name, account.password, account.role) for account in DEMO_ACCOUNTS]
    door_staff = next(user for user in users if user.role == Role.DOOR)
    db.session.flush()
    ctx = DemoContext(rng=random.Random(SEED), today=today or date.today(), door_staff=door_staff)
    events = [scenario(ctx) for scenario in SCENARIOS]
    record("demo.loaded", actor="System", event_ids=[event.id for event in events])
    return events
