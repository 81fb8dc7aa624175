"""iCalendar (.ics) files that put an event into the attendee's calendar."""
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

PRODID = "-//Stadtverwaltung//Veranstaltungsanmeldung//DE"
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def event_ics(
    *,
    uid: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    description: str,
    url: str | None,
    tzid: str = "Europe/Berlin",
    organizer_email: str | None = None,
) -> bytes:
    """A PUBLISH calendar with one event whose aware start and end are shown in tzid."""
    if starts_at.utcoffset() is None or ends_at.utcoffset() is None:
        raise ValueError("starts_at and ends_at must be timezone-aware")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")
    zone = ZoneInfo(tzid)
    local_start = starts_at.astimezone(zone)

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", local_start)
    event.add("dtend", ends_at.astimezone(zone))
    event.add("summary", title)
    event.add("location", location)
    event.add("description", description)
    if url:
        event.add("url", url)
    if organizer_email:
        event.add("organizer", vCalAddress(f"mailto:{organizer_email}"))

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(_vtimezone(zone, local_start.year))
    calendar.add_component(event)
    return calendar.to_ical()


def _vtimezone(zone: ZoneInfo, year: int) -> Timezone:
    """VTIMEZONE with the zone's rules of that year.

    A yearly daylight-saving pair becomes two RRULE observances from 1970, as
    Google Calendar and Outlook write them: Outlook misreads the RDATE lists that
    icalendar's Timezone.from_tzid() writes.  Zones without such a pair fall back
    to from_tzid() for that year.
    """
    changes = _offset_changes(zone, year)
    if len(changes) != 2:
        return Timezone.from_tzid(
            zone.key, first_date=date(year, 1, 1), last_date=date(year + 1, 1, 1)
        )
    timezone = Timezone()
    timezone.add("tzid", zone.key)
    for change in changes:
        before = (change - timedelta(minutes=1)).astimezone(zone)
        after = change.astimezone(zone)
        onset = (change + before.utcoffset()).replace(tzinfo=None)
        in_last_week = (onset + timedelta(weeks=1)).month != onset.month
        nth = -1 if in_last_week else (onset.day + 6) // 7
        observance = TimezoneDaylight() if after.dst() else TimezoneStandard()
        observance.add("tzname", after.tzname())
        observance.add("tzoffsetfrom", before.utcoffset())
        observance.add("tzoffsetto", after.utcoffset())
        observance.add("dtstart", _onset_in_1970(onset, nth))
        byday = f"{nth}{_WEEKDAYS[onset.weekday()]}"
        observance.add("rrule", {"freq": "yearly", "bymonth": onset.month, "byday": byday})
        timezone.add_component(observance)
    return timezone


@lru_cache(maxsize=64)
def _offset_changes(zone: ZoneInfo, year: int) -> tuple[datetime, ...]:
    """UTC instants in that year, to the minute, from which the zone's UTC offset differs (cached: a pure function)."""
    start = datetime(year, 1, 1, tzinfo=UTC)

    def offset(minute: int) -> timedelta:
        return (start + timedelta(minutes=minute)).astimezone(zone).utcoffset()

    changes = []
    day = 24 * 60
    for midnight in range(0, (date(year + 1, 1, 1) - date(year, 1, 1)).days * day, day):
        low, high = midnight, midnight + day
        if offset(low) == offset(high):
            continue
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
        changes.append(start + timedelta(minutes=high))
    return tuple(changes)


def _onset_in_1970(onset: datetime, nth: int) -> datetime:
    """The same rule's onset in 1970: the nth (or, for -1, last) such weekday of the month."""
    first = onset.replace(year=1970, day=1)
    day = first + timedelta(days=(onset.weekday() - first.weekday()) % 7)
    if nth > 0:
        return day + timedelta(weeks=nth - 1)
    while (day + timedelta(weeks=1)).month == day.month:
        day += timedelta(weeks=1)
    return day
