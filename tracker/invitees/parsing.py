"""Reading an uploaded invitee list (CSV or XLSX) into checked rows, without touching the database.

Real exports vary, so the parser is lenient about form and strict about content:

* Format by content: a ZIP archive is read as XLSX (first worksheet), anything else as text.
* Text is UTF-8 (with or without BOM), else Windows-1252 as Excel writes it in Germany.
* The delimiter (``;``, ``,`` or tab) is taken from Excel's ``sep=`` first line if there is one, else
  sniffed, and trusted only if the header line contains it; otherwise the candidate occurring most
  often in the header line wins.
* Headers are matched in German and English, ignoring case, spaces and punctuation. ``Vorname``
  plus ``Nachname`` make one name; next to a first-name column, a plain ``Name`` column is the
  surname (the German "Name, Vorname" convention).
* Line numbers are those the organiser sees: the physical line where a record starts (header is
  line 1), or the worksheet row number.

Problems with the whole file come back as ``file_error`` (one of FILE_ERRORS) with a short,
stable ``file_error_detail``; problems with single rows as RowError entries (reasons in REASONS),
so the page can list every bad row at once. A group value the event does not have is no row
error but a question for the organiser: each distinct one is listed in ``unknown_groups`` until a
``group_mapping`` answers it. Values cleaned on the way in (markup, a leading formula character)
are listed as RowWarning entries. Nothing here raises on bad input.
"""
import codecs
import csv
import functools
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import openpyxl
from email_validator import EmailNotValidError, validate_email

REASONS = (
    "empty_name",
    "invalid_email",
    "duplicate_in_file",
    "duplicate_in_event",
    "unknown_language",
    "too_long",
    "invalid_characters",
)
FILE_ERRORS = ("empty_file", "unreadable", "missing_columns", "too_many_rows", "too_large", "too_many_groups")

MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_UNIT_LENGTH = 200
#: More distinct unknown group values than this are no list of groups but a wrong column (one question each).
MAX_UNKNOWN_GROUPS = 50
#: Largest unpacked size of an XLSX upload, against ZIP bombs (the caller limits the packed size).
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024

_DELIMITERS = ";,\t"
# csv.Sniffer takes superlinear time on hostile input; a short sample keeps it in milliseconds.
_SNIFF_SAMPLE_CHARS = 2048
_ERROR_VALUE_CHARS = 80
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: A spreadsheet runs a cell starting with one of these as a formula; the import strips them from names and units.
FORMULA_STARTS = "=+-@"
WARNINGS = ("formula", "markup")

# Control characters other than tab, line feed and carriage return, which count as white space.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# RFC 5322 dot-atom: the plain ASCII local parts that email_validator accepts unchanged.
_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+"
_ASCII_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*\Z")
_MARKUP = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)
_HEADER_NOISE = re.compile(r"[\W_]+")
# Excel's delimiter hint, a first line such as "sep=;".
_SEPARATOR_HINT = re.compile(r"sep=([;,\t])(?:\r\n?|\n|\Z)", re.IGNORECASE)
# A physical line with its ending (\r\n, \n or \r), or a last line without one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")

_HEADER_FIELDS = {
    "name": "name",
    "vollständigername": "full_name",
    "fullname": "full_name",
    "vorname": "first_name",
    "firstname": "first_name",
    "givenname": "first_name",
    "nachname": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "familienname": "last_name",
    "email": "email",
    "emailadresse": "email",
    "emailaddress": "email",
    "mail": "email",
    "gruppe": "group",
    "zielgruppe": "group",
    "group": "group",
    "referat": "unit",
    "dienststelle": "unit",
    "organisation": "unit",
    "organisationseinheit": "unit",
    "eigenbetrieb": "unit",
    "unit": "unit",
    "department": "unit",
    "organization": "unit",
    "sprache": "language",
    "language": "language",
}
_LANGUAGES = {"de": "de", "deutsch": "de", "german": "de", "en": "en", "englisch": "en", "english": "en"}


@dataclass(frozen=True, slots=True)
class ParsedInvitee:
    """One good row, cleaned: ready to become an invitee."""

    line: int
    name: str
    email: str
    unit: str | None
    #: Canonical group name as passed in; None for an empty cell or no group column.
    group: str | None
    language: str | None
    #: Folded group value the event does not have and no mapping answered yet (see ParseResult.unknown_groups).
    unmapped_group: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one field of one row cannot be imported."""

    line: int
    reason: str
    field: str | None
    #: The offending value as read, cut to 80 characters.
    value: str
    #: For a duplicate in the file: the line where the address first appears.
    other_line: int | None = None


@dataclass(frozen=True, slots=True)
class RowWarning:
    """A value of an imported row that was cleaned on the way in (reason in WARNINGS)."""

    line: int
    reason: str
    field: str
    #: The value as read and as it will be stored, cut to 80 characters.
    value: str
    cleaned: str


@dataclass
class UnknownGroup:
    """A group value the event does not have: as first spelled in the file, and on how many rows."""

    value: str
    rows: int = 0


@dataclass
class ParseResult:
    """Everything the upload page shows: good rows, row errors, or one file-level error."""

    rows: list[ParsedInvitee] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    #: Group values without a group of the event and not in the mapping, by folded value, in order of appearance.
    unknown_groups: dict[str, UnknownGroup] = field(default_factory=dict)
    file_error: str | None = None
    file_error_detail: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    #: Non-blank data rows read below the header (good and bad).
    total_lines: int = 0

    @property
    def ok(self) -> bool:
        """Whether the file as a whole could be read (rows may still have errors)."""
        return self.file_error is None


class _FileError(Exception):
    """A problem with the whole file; becomes ParseResult.file_error."""

    def __init__(self, code: str, detail: str | None = None):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def parse_invitee_file(
    data: bytes,
    *,
    filename: str = "",
    group_names: Iterable[str] = (),
    existing_emails: Collection[str] = frozenset(),
    group_mapping: Mapping[str, str | None] | None = None,
    max_rows: int = 50_000,
) -> ParseResult:
    """Read and check an uploaded CSV or XLSX invitee list; never raises on bad input.

    The format is decided by the content alone, so ``filename`` does not change the outcome.
    ``group_names`` are the event's groups, ``existing_emails`` the lower-cased addresses already
    on its list; more than ``max_rows`` non-blank data rows make the file ``too_many_rows``.
    ``group_mapping`` answers unknown group values: folded value (see fold) to a group name or None.
    """
    result = ParseResult()
    try:
        records = _open_records(data, result)
        _read_rows(records, result, _RowChecker(group_names, existing_emails, group_mapping or {}), max_rows)
    except _FileError as error:
        result.rows, result.errors, result.warnings, result.unknown_groups = [], [], [], {}
        result.file_error, result.file_error_detail = error.code, error.detail
    return result


def _open_records(data: bytes, result: ParseResult) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for every record of the file; notes delimiter and encoding in the result."""
    if data.startswith(_XLSX_MAGIC):
        return _xlsx_records(data)
    if data.startswith(_XLS_MAGIC):
        raise _FileError("unreadable", "xls")
    if b"\x00" in data:
        raise _FileError("unreadable", "binary")
    text, result.encoding = _decode(data)
    hint = _SEPARATOR_HINT.match(text)
    result.delimiter = hint[1] if hint else _detect_delimiter(text[:_SNIFF_SAMPLE_CHARS])
    return _csv_records(text, result.delimiter, skip_lines=1 if hint else 0)


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (noting a BOM) or else Windows-1252."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise _FileError("unreadable", "encoding") from None


def _detect_delimiter(sample: str) -> str:
    """The sniffed delimiter if the header line has it, else the one most frequent there."""
    header = next((line for line in sample.splitlines() if line.strip(' \t;,"')), "")
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed and sniffed in header:
        return sniffed
    return max(_DELIMITERS, key=header.count)


def _csv_records(text: str, delimiter: str, skip_lines: int) -> Iterator[tuple[int, list[str]]]:
    """Records after the first skip_lines lines, with the physical line each starts on."""
    # Lines are cut lazily from the text: io.StringIO would copy it at four bytes per character.
    lines = (line.group() for line in _LINE.finditer(text))
    reader = csv.reader(itertools.islice(lines, skip_lines, None), delimiter=delimiter)
    lines_read = skip_lines
    try:
        for cells in reader:  # a quoted field may span lines
            start, lines_read = lines_read + 1, skip_lines + reader.line_num
            yield start, cells
    except csv.Error:
        raise _FileError("unreadable", "csv") from None


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Rows of the first worksheet, numbered as Excel shows them."""
    workbook = _open_workbook(data)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # stored dimensions are often wrong; read what is there
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(value) for value in values]
    except Exception:  # read-only mode parses the sheet while streaming, see _open_workbook
        raise _FileError("unreadable", "workbook") from None
    finally:
        workbook.close()


def _open_workbook(data: bytes) -> openpyxl.Workbook:
    """The workbook in read-only mode, after checking that it does not unpack to a huge size."""
    # zipfile and openpyxl raise many kinds of exceptions on damaged or foreign archives
    # (.docx, .ods, truncated uploads); to the organiser they all mean the same.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except Exception:
        raise _FileError("unreadable", "workbook") from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _FileError("too_large", "unpacked")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise _FileError("unreadable", "workbook") from None


def _cell_text(value: object) -> str:
    """A worksheet value as the organiser sees it: no 'None', no '.0' on whole numbers."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class _Columns:
    """Where each field is: the name may come from one column or from first and last name."""

    name: tuple[int, ...]
    email: int
    unit: int | None
    group: int | None
    language: int | None

    @classmethod
    def from_header(cls, cells: list[str]) -> "_Columns":
        """Map header cells to fields (first match wins), or fail with the missing columns."""
        found: dict[str, int] = {}
        for index, cell in enumerate(cells):
            key = _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", cell).casefold())
            if key in _HEADER_FIELDS:
                found.setdefault(_HEADER_FIELDS[key], index)
        surname = found.get("last_name", found.get("name"))
        if "full_name" in found:
            name = (found["full_name"],)
        elif "first_name" in found and surname is not None:
            name = (found["first_name"], surname)
        elif "name" in found:
            name = (found["name"],)
        else:
            name = ()
        missing = [column for column, present in (("name", name), ("email", "email" in found)) if not present]
        if missing:
            raise _FileError("missing_columns", ",".join(missing))
        return cls(name, found["email"], found.get("unit"), found.get("group"), found.get("language"))


def _read_rows(
    records: Iterator[tuple[int, list[str]]], result: ParseResult, checker: "_RowChecker", max_rows: int
) -> None:
    """Find the header, then check each non-blank row into the result."""
    columns = None
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = _Columns.from_header(cells)
            continue
        result.total_lines += 1
        if result.total_lines > max_rows:
            raise _FileError("too_many_rows", str(max_rows))
        checker.check(line, cells, columns, result)
        if len(result.unknown_groups) > MAX_UNKNOWN_GROUPS:
            raise _FileError("too_many_groups", str(MAX_UNKNOWN_GROUPS))
    if not result.total_lines:
        raise _FileError("empty_file")


#: Reports a problem with a row: reason, field, offending value.
_Fail = Callable[[str, str, str], None]
#: Reports a cleaned value: reason, field, value as read, value as stored.
_Warn = Callable[[str, str, str, str], None]


class _RowChecker:
    """Checks rows one by one, remembering the addresses seen so far in the file and where."""

    def __init__(self, group_names: Iterable[str], existing_emails: Collection[str], mapping: Mapping[str, str | None]):
        self.groups = {fold(name): name for name in group_names}
        self.mapping = mapping
        self.existing = existing_emails if isinstance(existing_emails, AbstractSet) else frozenset(existing_emails)
        self.seen: dict[str, int] = {}

    def check(self, line: int, cells: list[str], columns: _Columns, result: ParseResult) -> None:
        """Append the row to result.rows (its warnings to result.warnings), or its problems to result.errors."""
        errors: list[RowError] = []
        warnings: list[RowWarning] = []

        def fail(reason: str, column: str, value: str, other_line: int | None = None) -> None:
            errors.append(RowError(line, reason, column, value[:_ERROR_VALUE_CHARS], other_line))

        def warn(reason: str, column: str, value: str, cleaned: str) -> None:
            warnings.append(RowWarning(line, reason, column, value[:_ERROR_VALUE_CHARS], cleaned[:_ERROR_VALUE_CHARS]))

        raw_name = " ".join(part for index in columns.name if (part := _cell(cells, index).strip()))
        name = _clean_text(raw_name, "name", MAX_NAME_LENGTH, fail, warn)
        if name == "":
            fail("empty_name", "name", raw_name)

        email = self._email(line, _cell(cells, columns.email), fail)

        unit = _clean_text(_cell(cells, columns.unit), "unit", MAX_UNIT_LENGTH, fail, warn) or None

        raw_group = _cell(cells, columns.group)
        group, unmapped = self._group(raw_group)
        language = _choose(_cell(cells, columns.language), _LANGUAGES, "unknown_language", "language", fail)

        if errors:
            result.errors.extend(errors)
            return
        result.rows.append(ParsedInvitee(line, name, email, unit, group, language, unmapped))
        result.warnings.extend(warnings)
        if unmapped:
            result.unknown_groups.setdefault(unmapped, UnknownGroup(" ".join(raw_group.split()))).rows += 1

    def _group(self, raw: str) -> tuple[str | None, str | None]:
        """The group a cell names or is mapped to, and the folded value if it is still unknown."""
        key = fold(raw)
        if not key:
            return None, None
        if key in self.groups:
            return self.groups[key], None
        if key in self.mapping:
            return self.mapping[key], None
        return None, key

    def _email(self, line: int, raw: str, fail: Callable[..., None]) -> str | None:
        """The normalized address, or None after reporting why it is unusable."""
        address = raw.strip()
        if _CONTROL_CHARACTERS.search(address):
            fail("invalid_characters", "email", raw)
            return None
        if len(address) > MAX_EMAIL_LENGTH:
            fail("too_long", "email", raw)
            return None
        email = normalize_email(address)
        if email is None:
            fail("invalid_email", "email", raw)
            return None
        key = email.lower()
        if key in self.existing:
            fail("duplicate_in_event", "email", raw)
        elif key in self.seen:
            fail("duplicate_in_file", "email", raw, self.seen[key])
        self.seen.setdefault(key, line)
        return email


def _cell(cells: list[str], index: int | None) -> str:
    """The cell at index, or '' where the column is absent or the row is short."""
    return cells[index] if index is not None and index < len(cells) else ""


def fold(value: str) -> str:
    """Key for case- and spacing-insensitive matching of groups and languages."""
    return " ".join(value.split()).casefold()


def _choose(raw: str, choices: dict[str, str], reason: str, column: str, fail: _Fail) -> str | None:
    """The choice a cell names (ignoring case and spacing), None if it is empty, or report it as unknown."""
    key = fold(raw)
    if not key:
        return None
    if key not in choices:
        fail(reason, column, raw)
    return choices.get(key)


def _clean_text(raw: str, column: str, max_length: int, fail: _Fail, warn: _Warn) -> str | None:
    """Text with white space collapsed, markup and leading formula characters removed (with a warning each),
    or None after reporting control characters or excess length."""
    if _CONTROL_CHARACTERS.search(raw):
        fail("invalid_characters", column, raw)
        return None
    text = " ".join(raw.split())
    if _MARKUP.search(text):
        cleaned = " ".join(_MARKUP.sub(" ", text).split())
        warn("markup", column, text, cleaned)
        text = cleaned
    if text.startswith(tuple(FORMULA_STARTS)):
        cleaned = text.lstrip(FORMULA_STARTS + " ")
        warn("formula", column, text, cleaned)
        text = cleaned
    if len(text) > max_length:
        fail("too_long", column, raw)
        return None
    return text


def normalize_email(address: str) -> str | None:
    """The address as email_validator normalizes it (but keeping the local part's case), or None if invalid.

    Plain ASCII addresses, nearly all of a list, skip the full validation: their local part is
    valid as it stands and the domain's verdict is cached, which makes a 40,000-row file several
    times faster to check. Unlike email_validator, this keeps the case of ASCII role names such as
    ``Postmaster``; the app compares addresses case-insensitively anyway.
    """
    local_part, _, domain = address.rpartition("@")
    if address.isascii() and len(address) <= MAX_EMAIL_LENGTH and _ASCII_LOCAL_PART.match(local_part):
        normalized_domain = _normalized_domain(domain)
        if normalized_domain is None:
            return None
        if normalized_domain.isascii():
            return f"{local_part}@{normalized_domain}"
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@functools.lru_cache(maxsize=4096)
def _normalized_domain(domain: str) -> str | None:
    """The domain as email_validator normalizes it, or None if no address there is valid."""
    try:
        return validate_email(f"x@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None
