"""What the import preview lists: every row with a problem or a cleaned value, grouped by kind and paged."""
import math
from dataclasses import dataclass
from itertools import groupby

from .messages import field_labels, problem_text, reason_messages, warning_messages
from .parsing import ParseResult, RowError, RowWarning


def compact_lines(lines: list[int]) -> str:
    """Sorted line numbers with runs written as ranges: [2, 3, 4, 9] -> "2–4, 9"."""
    parts = []
    for _key, run in groupby(enumerate(sorted(set(lines))), key=lambda pair: pair[1] - pair[0]):
        numbers = [line for _index, line in run]
        parts.append(str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Kind:
    """One kind of problem or cleaning: what it is, in which column, on which lines."""

    skipped: bool
    column: str
    text: str
    rows: int
    lines: str


@dataclass(frozen=True)
class Note:
    """One line of the detailed list: a problem (the row is skipped) or a cleaned value (imported as cleaned)."""

    line: int
    column: str
    text: str
    value: str
    cleaned: str | None


@dataclass(frozen=True)
class NotePage:
    """One page of notes, shaped like Flask-SQLAlchemy's pagination for the pagination macro."""

    items: list[Note]
    page: int
    pages: int

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def kinds(result: ParseResult) -> list[Kind]:
    """Every kind of problem, then every kind of cleaning, each with all its line numbers."""
    fields, reasons, warnings = field_labels(), reason_messages(), warning_messages()
    found: list[Kind] = []
    for skipped, entries, texts in ((True, result.errors, reasons), (False, result.warnings, warnings)):
        by_kind: dict[tuple[str, str], list[int]] = {}
        for entry in entries:
            by_kind.setdefault((entry.reason, entry.field), []).append(entry.line)
        for (reason, field), lines in by_kind.items():
            found.append(Kind(skipped, fields.get(field, ""), texts[reason], len(set(lines)), compact_lines(lines)))
    return found


def note_page(result: ParseResult, page: int, per_page: int) -> NotePage:
    """The page-th slice of all notes, ordered by line; problems before cleanings of the same line."""
    entries: list[RowError | RowWarning] = sorted(
        [*result.errors, *result.warnings], key=lambda entry: (entry.line, isinstance(entry, RowWarning))
    )
    pages = max(1, math.ceil(len(entries) / per_page))
    page = min(max(page, 1), pages)
    fields, reasons, warnings = field_labels(), reason_messages(), warning_messages()
    notes = [
        Note(entry.line, fields.get(entry.field, ""), problem_text(entry, reasons), entry.value, None)
        if isinstance(entry, RowError)
        else Note(entry.line, fields.get(entry.field, ""), warnings[entry.reason], entry.value, entry.cleaned)
        for entry in entries[(page - 1) * per_page: page * per_page]
    ]
    return NotePage(notes, page, pages)
