"""The parser's reason codes, fields and file errors in the organiser's language."""
from flask_babel import gettext as _
from flask_babel import ngettext

from .parsing import RowError


def reason_messages() -> dict[str, str]:
    """Each reason code of the parser in the current language."""
    return {
        "empty_name": _("The name is empty."),
        "invalid_email": _("This is not a valid e-mail address."),
        "duplicate_in_file": _("This e-mail address appears more than once in the file."),
        "duplicate_in_event": _("This e-mail address is already on the event's list."),
        "unknown_language": _("Unknown language: use de or en."),
        "too_long": _("The entry is too long."),
        "invalid_characters": _("The entry contains characters that cannot be stored (control characters)."),
    }


def warning_messages() -> dict[str, str]:
    """Each way the parser cleans a value, in the current language."""
    return {
        "formula": _("A leading =, +, - or @ was removed (a spreadsheet would run it as a formula)."),
        "markup": _("Markup (HTML tags) was removed."),
    }


def problem_text(error: RowError, reasons: dict[str, str]) -> str:
    """What is wrong with one row's field; a duplicate names the line it repeats."""
    if error.reason == "duplicate_in_file" and error.other_line is not None:
        return _("Duplicate: same e-mail address as line %(line)s.", line=error.other_line)
    return reasons[error.reason]


def field_labels() -> dict[str, str]:
    """The parser's field names as the organiser knows the columns."""
    return {
        "name": _("Name"),
        "email": _("E-mail address"),
        "unit": _("Unit"),
        "group": _("Group"),
        "language": _("Language"),
    }


def file_error_message(code: str | None, detail: str | None) -> str:
    """Why the whole file could not be read, with what to do about it."""
    if code == "empty_file":
        return _("The file contains no invitees below the header line.")
    if code == "missing_columns":
        labels = field_labels()
        missing = [labels.get(name, name) for name in (detail or "").split(",") if name]
        return _(
            "The header line lacks the columns: %(columns)s. Expected are e.g. Vorname, Nachname (or Name), "
            "E-Mail, Gruppe, Referat.",
            columns=", ".join(missing),
        )
    if code == "too_many_rows":
        return ngettext("The file has more than %(num)s row. Please split it.",
                        "The file has more than %(num)s rows. Please split it.", int(detail))
    if code == "too_many_groups":
        return ngettext(
            "The column “Gruppe” has more than %(num)s value that is no group of this event. "
            "Please check the column: it should hold the group of each person.",
            "The column “Gruppe” has more than %(num)s different values that are no group of this event. "
            "Please check the column: it should hold the group of each person.",
            int(detail),
        )
    if code == "too_large":
        return _("The workbook is too large when unpacked.")
    if detail == "xls":
        return _("Old Excel files (.xls) cannot be read. Please save the file as .xlsx or CSV.")
    return _("The file cannot be read. Please upload a CSV file (UTF-8 or Windows) or an Excel workbook (.xlsx).")
