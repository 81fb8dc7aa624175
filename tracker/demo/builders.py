"""What every demo scenario builds with: Munich times and weekdays, groups, synthetic people and their answers."""
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..accounts.models import User
from ..events.models import Event, Group
from ..extensions import db
from ..invitees.models import Invitee, InviteeSource
from ..invitees.services import add_invitee
from ..registration.models import Registration, Status, Ticket
from ..tickets.codes import new_ticket_code
from . import data

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class DemoContext:
    """What every scenario builds on: one random generator, today's date, the e-mail addresses used so far."""

    rng: random.Random
    today: date
    #: The demo door-staff account, assigned to the doors of the upcoming info day.
    door_staff: User | None = None
    used_emails: set[str] = field(default_factory=set)


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


def add_groups(event: Event, specs) -> dict[str, Group]:
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
