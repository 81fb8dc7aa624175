import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar
from PIL import Image
from qrcode.util import MODE_ALPHA_NUM

from tests.support.y4m import write_y4m
from tracker.tickets.calendar import PRODID, event_ics
from tracker.tickets.codes import (
    TICKET_ALPHABET,
    TICKET_CODE_LENGTH,
    TICKET_PREFIX,
    _check_symbol,
    is_well_formed,
    new_ticket_code,
    normalize_scanned_code,
)
from tracker.tickets.qr import QUIET_ZONE, _qr, qr_png, qr_svg

PAYLOAD = "3K9QX0MV7D2HC5NRW"
CODE = "T3K9QX0MV7D2HC5NRWC"

codes = st.text(TICKET_ALPHABET, min_size=17, max_size=17).map(
    lambda payload: TICKET_PREFIX + payload + _check_symbol(payload)
)


# --- codes -------------------------------------------------------------------


def test_alphabet_is_crockford_without_z_and_prime():
    assert TICKET_ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXY"
    size = len(TICKET_ALPHABET)
    assert all(size % divisor for divisor in range(2, size))
    assert not set("ILOUZ") & set(TICKET_ALPHABET)


def test_new_codes_are_well_formed_short_and_qr_alphanumeric():
    generated = {new_ticket_code() for _ in range(1000)}
    assert len(generated) == 1000
    for code in generated:
        assert len(code) == TICKET_CODE_LENGTH == 19
        assert code.startswith(TICKET_PREFIX)
        assert re.fullmatch(r"[0-9A-Z]+", code)
        assert is_well_formed(code)
        assert normalize_scanned_code(code) == code


def test_known_code():
    assert TICKET_PREFIX + PAYLOAD + _check_symbol(PAYLOAD) == CODE
    assert is_well_formed(CODE)


@given(codes)
def test_normalizing_a_valid_code_is_identity(code):
    assert is_well_formed(code)
    assert normalize_scanned_code(code) == code


@given(codes)
def test_every_single_substitution_is_rejected(code):
    for position in range(len(TICKET_PREFIX), TICKET_CODE_LENGTH):
        for symbol in TICKET_ALPHABET.replace(code[position], ""):
            assert not is_well_formed(code[:position] + symbol + code[position + 1 :])


@given(codes)
def test_every_transposition_of_distinct_symbols_is_rejected(code):
    """Adjacent ones above all, but the weights catch any distance."""
    for i in range(TICKET_CODE_LENGTH):
        for j in range(i + 1, TICKET_CODE_LENGTH):
            if code[i] != code[j]:
                swapped = list(code)
                swapped[i], swapped[j] = code[j], code[i]
                assert not is_well_formed("".join(swapped))


@given(codes, st.data())
def test_scanner_and_typing_noise_is_repaired(code, data):
    noisy = code.replace("Y", "Z").replace("0", data.draw(st.sampled_from("0Oo")))
    noisy = noisy.replace("1", data.draw(st.sampled_from("1IiLl")))
    noisy = "".join(
        char.lower() if data.draw(st.booleans()) else char for char in noisy
    )
    assert normalize_scanned_code(f"\t {noisy}\r\n") == code


@pytest.mark.parametrize(
    "raw",
    [
        CODE,
        CODE.lower(),
        f" {CODE[:7]} {CODE[7:13]} {CODE[13:]}\r\n",
        f"\u200b{CODE}\ufeff",
        CODE.translate({char: char + 0xFEE0 for char in range(0x21, 0x7F)}),  # full-width forms
        CODE.replace("0", "O"),
        f"https://tickets.example.org/t/{CODE}",
        f"https://tickets.example.org/t/{CODE}/",
        f"http://tickets.example.org/t/{CODE.lower()}",
        f"httpsÖ--tickets.example.org-t-{CODE}",  # US-keymap scanner on a German layout
    ],
)
def test_normalize_accepts(raw):
    assert normalize_scanned_code(raw) == CODE


def test_normalize_repairs_y_z_swap_of_german_layout():
    code = TICKET_PREFIX + "Y" * 17 + _check_symbol("Y" * 17)
    assert normalize_scanned_code(code.replace("Y", "Z")) == code
    assert normalize_scanned_code(code.replace("Y", "z")) == code
    assert not is_well_formed(code.replace("Y", "Z"))


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        CODE[:-1],
        CODE + "0",
        "X" + CODE[1:],
        CODE[1:] + "0",
        CODE[:5] + "U" + CODE[6:],
        CODE[:5] + "-" + CODE[6:],
        f"ftp://example.org/{CODE}",
        "https://",
    ],
)
def test_normalize_rejects_wrong_shape(raw):
    assert normalize_scanned_code(raw) is None


def test_normalize_keeps_shape_but_not_check():
    """A mistyped but well-shaped code is returned, so the door can call it forged."""
    mistyped = CODE[:5] + ("A" if CODE[5] != "A" else "B") + CODE[6:]
    assert normalize_scanned_code(mistyped) == mistyped
    assert not is_well_formed(mistyped)


@pytest.mark.parametrize("code", [CODE.lower(), f" {CODE}", CODE.replace("0", "O"), "", "T"])
def test_is_well_formed_wants_canonical_codes(code):
    assert not is_well_formed(code)


@given(st.text() | st.text().map("https://".__add__))
def test_garbage_never_raises(raw):
    code = normalize_scanned_code(raw)
    assert code is None or len(code) == TICKET_CODE_LENGTH
    assert isinstance(is_well_formed(raw), bool)
    if code is not None:
        assert normalize_scanned_code(code) == code


@given(st.text(TICKET_ALPHABET + "OILZ ", min_size=18, max_size=22))
def test_normalize_is_idempotent(text):
    code = normalize_scanned_code("T" + text)
    assert code is None or normalize_scanned_code(code) == code


# --- QR ----------------------------------------------------------------------


def test_ticket_code_uses_alphanumeric_mode_in_version_1():
    qr = _qr(CODE)
    assert [chunk.mode for chunk in qr.data_list] == [MODE_ALPHA_NUM]
    assert qr.version == 1
    assert len(qr.get_matrix()) == 21 + 2 * QUIET_ZONE


def test_data_outside_alphanumeric_mode_is_refused():
    with pytest.raises(ValueError):
        qr_png("lower-case")


def _svg_modules(svg: str) -> set[tuple[int, int]]:
    path = ET.fromstring(svg).find("{http://www.w3.org/2000/svg}path").get("d")
    dark = set()
    for x, y, length in re.findall(r"M(\d+),(\d+)h(\d+)v1h-\3z", path):
        dark.update((column, int(y)) for column in range(int(x), int(x) + int(length)))
    assert len(re.findall("M", path)) == len(re.findall(r"M\d+,\d+h\d+v1h-\d+z", path))
    return dark


def _matrix_modules(data: str) -> set[tuple[int, int]]:
    return {
        (x, y) for y, row in enumerate(_qr(data).get_matrix()) for x, dark in enumerate(row) if dark
    }


def test_svg_is_inline_accessible_and_scalable():
    svg = qr_svg(CODE, title='Ticket <für> "Infotag" & mehr')
    assert svg.startswith("<svg ")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 29 29"
    assert root.get("width") is None and root.get("height") is None
    assert root[0].tag == "{http://www.w3.org/2000/svg}title"
    assert root[0].text == 'Ticket <für> "Infotag" & mehr'


def test_svg_draws_exactly_the_qr_matrix():
    modules = _svg_modules(qr_svg(CODE, title="Ticket"))
    assert modules == _matrix_modules(CODE)
    assert min(x for x, _ in modules) == QUIET_ZONE
    assert min(y for _, y in modules) == QUIET_ZONE


@pytest.mark.parametrize("box_size", [1, 10])
def test_png_draws_exactly_the_qr_matrix(box_size):
    image = Image.open(io.BytesIO(qr_png(CODE, box_size=box_size)))
    assert image.format == "PNG"
    matrix = _qr(CODE).get_matrix()
    assert image.size == (len(matrix) * box_size,) * 2
    gray = image.convert("L")
    dark = {
        (x, y)
        for y in range(len(matrix))
        for x in range(len(matrix))
        if gray.getpixel((x * box_size + box_size // 2, y * box_size + box_size // 2)) < 128
    }
    assert dark == _matrix_modules(CODE)


# --- calendar ----------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
DESCRIPTION = "Bürgerinfotag: Straßenbau, Radwege; Fragen?\nBitte Ausweis mitbringen.\r\nÄÖÜ äöü ß"


def _ics(**overrides) -> bytes:
    arguments = {
        "uid": "registration-42@tracker.example.org",
        "title": "Infotag, Teil 1; Ratssaal",
        "starts_at": datetime(2026, 6, 10, 8, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 6, 10, 10, 30, tzinfo=UTC),
        "location": "Rathaus, Ratssaal; Markt 1, 12345 Musterstadt",
        "description": DESCRIPTION,
        "url": "https://tickets.example.org/events/7?lang=de",
    }
    return event_ics(**arguments | overrides)


def test_ics_round_trips_all_fields():
    calendar = Calendar.from_ical(_ics(organizer_email="buergerbuero@example.org"))
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == PRODID
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == "registration-42@tracker.example.org"
    assert event["SUMMARY"] == "Infotag, Teil 1; Ratssaal"
    assert event["LOCATION"] == "Rathaus, Ratssaal; Markt 1, 12345 Musterstadt"
    assert event["DESCRIPTION"] == DESCRIPTION.replace("\r\n", "\n")  # textareas send CRLF
    assert event["URL"] == "https://tickets.example.org/events/7?lang=de"
    assert event["ORGANIZER"] == "mailto:buergerbuero@example.org"
    assert abs(event.decoded("DTSTAMP") - datetime.now(UTC)) < timedelta(minutes=1)


def test_ics_times_are_local_to_tzid_with_vtimezone():
    raw = _ics(starts_at=datetime(2026, 6, 10, 8, 0, tzinfo=UTC))
    assert b"DTSTART;TZID=Europe/Berlin:20260610T100000" in raw
    assert b"DTEND;TZID=Europe/Berlin:20260610T123000" in raw
    calendar = Calendar.from_ical(raw)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN)
    assert event.decoded("DTEND") == datetime(2026, 6, 10, 12, 30, tzinfo=BERLIN)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert calendar.get_missing_tzids() == set()


def test_ics_accepts_any_aware_timezone():
    winter = datetime(2026, 12, 1, 18, 0, tzinfo=timezone(timedelta(hours=-5)))
    raw = _ics(starts_at=winter, ends_at=winter + timedelta(hours=2))
    assert b"DTSTART;TZID=Europe/Berlin:20261202T000000" in raw


def test_ics_vtimezone_uses_yearly_rules_outlook_understands():
    [vtimezone] = Calendar.from_ical(_ics()).walk("VTIMEZONE")
    raw = vtimezone.to_ical()
    assert b"RDATE" not in raw
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in raw
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in raw


@pytest.mark.parametrize(
    "tzid", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo"]
)
def test_ics_vtimezone_agrees_with_zoneinfo(tzid):
    zone = ZoneInfo(tzid)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    [vtimezone] = Calendar.from_ical(
        _ics(tzid=tzid, starts_at=start, ends_at=start + timedelta(hours=1))
    ).walk("VTIMEZONE")
    described = vtimezone.to_tz(lookup_tzid=False)
    for hours in range(0, 365 * 24, 7):
        instant = start + timedelta(hours=hours)
        assert instant.astimezone(described).utcoffset() == instant.astimezone(zone).utcoffset()


def test_ics_without_optional_fields():
    [event] = Calendar.from_ical(_ics(url=None)).walk("VEVENT")
    assert "URL" not in event
    assert "ORGANIZER" not in event


def test_ics_needs_aware_ordered_times():
    naive = datetime(2026, 6, 10, 10, 0)
    with pytest.raises(ValueError, match="aware"):
        _ics(starts_at=naive)
    with pytest.raises(ValueError, match="after"):
        _ics(ends_at=datetime(2026, 6, 10, 8, 0, tzinfo=UTC))


# --- Y4M fake camera ---------------------------------------------------------


def test_y4m_layout_and_size(tmp_path):
    path = tmp_path / "ticket.y4m"
    write_y4m(path, qr_png(CODE), width=64, height=48, frames=3, fps=15)
    header = b"YUV4MPEG2 W64 H48 F15:1 Ip A1:1 C420jpeg\n"
    frame_size = len(b"FRAME\n") + 64 * 48 * 3 // 2
    content = path.read_bytes()
    assert content.startswith(header)
    assert len(content) == len(header) + 3 * frame_size
    for frame in range(3):
        assert content[len(header) + frame * frame_size :].startswith(b"FRAME\n")


def test_y4m_centres_image_crisply_on_white(tmp_path):
    path = tmp_path / "square.y4m"
    write_y4m(path, Image.new("RGB", (10, 10), "black"), width=64, height=48, frames=1)
    luma_start = len(b"YUV4MPEG2 W64 H48 F15:1 Ip A1:1 C420jpeg\n") + len(b"FRAME\n")
    luma = path.read_bytes()[luma_start : luma_start + 64 * 48]
    rows = [luma[y * 64 : (y + 1) * 64] for y in range(48)]
    dark = {(x, y) for y, row in enumerate(rows) for x, value in enumerate(row) if value < 128}
    # 0.8 * 48 / 10 = 3.84, so an integer factor of 3: a 30x30 square, centred.
    assert dark == {(x, y) for x in range(17, 47) for y in range(9, 39)}
    assert set(luma) == {0, 255}
    chroma = path.read_bytes()[luma_start + 64 * 48 :]
    assert set(chroma) == {128}


def test_y4m_needs_even_dimensions(tmp_path):
    with pytest.raises(AssertionError):
        write_y4m(tmp_path / "odd.y4m", qr_png(CODE), width=63, height=48)
