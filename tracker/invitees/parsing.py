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
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass

import openpyxl

from .rows import (
    FORMULA_STARTS,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_UNIT_LENGTH,
    REASONS,
    WARNINGS,
    ParsedInvitee,
    ParseResult,
    RowError,
    RowWarning,
    UnknownGroup,
    _RowChecker,
    fold,
    normalize_email,
)

#: The row's results are made in rows.py; they are part of what this module answers.
__all__ = [
    "FILE_ERRORS", "FORMULA_STARTS", "MAX_EMAIL_LENGTH", "MAX_NAME_LENGTH", "MAX_UNIT_LENGTH", "MAX_UNKNOWN_GROUPS",
    "MAX_XLSX_UNPACKED_BYTES", "REASONS", "WARNINGS", "ParsedInvitee", "ParseResult", "RowError", "RowWarning",
    "UnknownGroup", "fold", "normalize_email", "parse_invitee_file",
]

FILE_ERRORS = ("empty_file", "unreadable", "missing_columns", "too_many_rows", "too_large", "too_many_groups")

#: More distinct unknown group values than this are no list of groups but a wrong column (one question each).
MAX_UNKNOWN_GROUPS = 50
#: Largest unpacked size of an XLSX upload, against ZIP bombs (the caller limits the packed size).
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024

_DELIMITERS = ";,\t"
# csv.Sniffer takes superlinear time on hostile input; a short sample keeps it in milliseconds.
_SNIFF_SAMPLE_CHARS = 2048
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

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
