"""The finished first info day with the seed's outcome, so the dashboard and the report have a story to tell.

130 guests checked in to the council hall (from 145 confirmed seats: 15 no-shows, 4 of whom followed online
instead), 6 of them watched the livestream before they came, and 66 registered staff followed online:
76 followed online, 70 of them in addition to the hall. Arrivals cluster before the start, a few come late;
viewing minutes spread from a few minutes to the whole morning.
"""
import random
from datetime import datetime, timedelta

from sqlalchemy import insert

from ..checkin.models import CheckIn, Door
from ..checkin.devices import create_door
from ..events.models import Event
from ..extensions import db
from ..invitees.models import Invitee
from ..registration.models import Mode, Registration, Status
from ..stream.models import ViewerMinute
from . import data
from .builders import DemoContext, add_groups, add_people, add_registration, add_speakers, berlin_time, weekday_from

#: Per group: (hall seats confirmed, of them checked in, declined, not answered); the staff also register online.
HALL_PLAN = {
    "Stadtrat": (36, 33, 2, 2),
    "Referats- und Betriebsleitungen": (20, 18, 1, 0),
    "Speaker": (6, 6, 0, 0),
    "Beschäftigte": (83, 73, 20, 57),
}
#: Staff registered for the livestream: followed online (10 minutes or more), watched briefly, never watched.
STREAM_PLAN = (66, 12, 12)
STAFF_WAITING, STAFF_CANCELLED = 5, 5
#: Hall guests who watched online before they came, and staff no-shows who watched online instead.
BOTH, ONLINE_INSTEAD = 6, 4


def finished_info_day(ctx: DemoContext) -> Event:
    """The first info day, on the weekday six weeks ago or just before, with its answers, check-ins and viewing."""
    day = weekday_from(ctx.today - timedelta(weeks=6), step=-1)
    starts_at, ends_at = berlin_time(day, 9, 30), berlin_time(day, 13, 45)
    event = Event(
        title="1. Infotag Digitalisierung",
        description=data.DESCRIPTION,
        agenda=data.AGENDA,
        starts_at=starts_at,
        ends_at=ends_at,
        venue="Sitzungssaal, Rathaus, Marienplatz 8, München",
        hall_capacity=150,
        livestream=True,
        stream_url="https://stream.muenchen.example/infotag-digitalisierung/embed",
        recording_url="https://stream.muenchen.example/infotag-digitalisierung/aufzeichnung",
        registration_deadline=berlin_time(day - timedelta(days=7), 23, 59),
        quota_release_at=berlin_time(day - timedelta(days=5), 12, 0),
        online_threshold_minutes=10,
    )
    db.session.add(event)
    groups = add_groups(event, data.GROUPS)
    people = {
        "Stadtrat": add_people(ctx, event, groups["Stadtrat"], 40, ("Stadtrat",), data.COUNCIL_DOMAIN),
        "Referats- und Betriebsleitungen": add_people(
            ctx, event, groups["Referats- und Betriebsleitungen"], 21,
            data.DEPARTMENTS + data.MUNICIPAL_COMPANIES, data.CITY_DOMAIN),
        "Speaker": add_speakers(ctx, event, groups["Speaker"]),
        "Beschäftigte": add_people(ctx, event, groups["Beschäftigte"], 260,
                                   data.DEPARTMENTS + data.MUNICIPAL_COMPANIES, data.CITY_DOMAIN),
    }
    db.session.flush()
    doors = [create_door(event, name) for name in data.DOORS]
    _Outcome(ctx.rng, event, doors).play(people)
    db.session.flush()
    return event


class _Outcome:
    """Registrations, check-ins and viewer minutes for the invitees, drawn from the seeded generator."""

    def __init__(self, rng: random.Random, event: Event, doors: list[Door]):
        self.rng = rng
        self.event = event
        self.doors = doors
        self.minutes: list[dict] = []

    def register(self, invitee: Invitee, mode: str | None, status: str) -> Registration:
        invited_at = self.event.starts_at - timedelta(days=35)
        invitee.invited_at = invited_at
        return add_registration(invitee, mode, status, invited_at + timedelta(hours=self.rng.uniform(1, 24 * 27)))

    def check_in(self, registration: Registration, at: datetime) -> None:
        db.session.add(CheckIn(
            event_id=self.event.id, registration_id=registration.id, ticket_id=registration.tickets[0].id,
            door_id=self.rng.choice(self.doors).id, method="scan", checked_in_at=at,
        ))

    def arrival(self) -> datetime:
        """Most come in the 40 minutes before the start; one in ten comes late."""
        if self.rng.random() < 0.1:
            offset = self.rng.uniform(5, 80)
        else:
            offset = -abs(self.rng.gauss(12, 10)) - 1
        return self.event.starts_at + timedelta(minutes=offset, seconds=self.rng.randrange(60))

    def watch(self, invitee: Invitee, first_minute: int, minutes: int) -> None:
        start = self.event.starts_at.replace(second=0, microsecond=0) + timedelta(minutes=first_minute)
        self.minutes.extend(
            {"event_id": self.event.id, "viewer_key": f"i{invitee.id}", "invitee_id": invitee.id,
             "minute": start + timedelta(minutes=m)}
            for m in range(minutes)
        )

    def play(self, people: dict[str, list[Invitee]]) -> None:
        length = int((self.event.ends_at - self.event.starts_at).total_seconds() // 60)
        both_left, instead_left = BOTH, ONLINE_INSTEAD
        for group, invitees in people.items():
            hall, present, declined, silent = HALL_PLAN[group]
            queue = list(invitees)
            self.rng.shuffle(queue)
            for index in range(hall):
                invitee = queue.pop()
                registration = self.register(invitee, Mode.HALL, Status.CONFIRMED)
                db.session.flush()
                if index < present:
                    if group == "Beschäftigte" and both_left:
                        both_left -= 1
                        watched = self.rng.randint(15, 40)
                        self.watch(invitee, 0, watched)
                        self.check_in(registration, self.event.starts_at + timedelta(minutes=watched + 8))
                    else:
                        self.check_in(registration, self.arrival())
                elif group == "Beschäftigte" and instead_left:
                    instead_left -= 1
                    self.watch(invitee, self.rng.randint(0, 20), self.rng.randint(60, 200))
            for _ in range(declined):
                self.register(queue.pop(), None, Status.DECLINED)
            for _ in range(silent):
                queue.pop().invited_at = self.event.starts_at - timedelta(days=35)
            if group != "Beschäftigte":
                continue
            followed, brief, never = STREAM_PLAN
            for index in range(followed + brief + never):
                invitee = queue.pop()
                self.register(invitee, Mode.STREAM, Status.CONFIRMED)
                db.session.flush()
                if index < followed:
                    first = max(0, int(self.rng.gauss(5, 15)))
                    self.watch(invitee, first, min(length - first, max(10, int(self.rng.gauss(120, 60)))))
                elif index < followed + brief:
                    self.watch(invitee, self.rng.randint(0, 200), self.rng.randint(2, 9))
            for _ in range(STAFF_WAITING):
                self.register(queue.pop(), Mode.HALL, Status.WAITING)
            for _ in range(STAFF_CANCELLED):
                self.register(queue.pop(), Mode.HALL, Status.CANCELLED)
        db.session.flush()
        db.session.execute(insert(ViewerMinute), self.minutes)
