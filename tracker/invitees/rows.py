"""One row of an invitee list checked and cleaned: the parser's results, reasons and warnings.

The row checker takes the cells of one record (see parsing.py for reading the file) and adds the
row, its warnings, its errors or its unknown group value to the ParseResult.
"""
import functools
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email

if TYPE_CHECKING:
    from .parsing import _Columns

REASONS = (
    "empty_name",
    "invalid_email",
    "duplicate_in_file",
    "duplicate_in_event",
    "unknown_language",
    "too_long",
    "invalid_characters",
)

MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_UNIT_LENGTH = 200
_ERROR_VALUE_CHARS = 80

#: A spreadsheet runs a cell starting with one of these as a formula; the import strips them from names and units.
FORMULA_STARTS = "=+-@"
WARNINGS = ("formula", "markup")

# Control characters other than tab, line feed and carriage return, which count as white space.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# RFC 5322 dot-atom: the plain ASCII local parts that email_validator accepts unchanged.
_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+"
_ASCII_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*\Z")
_MARKUP = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)

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

    def check(self, line: int, cells: list[str], columns: "_Columns", result: ParseResult) -> None:
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
