import csv
import io
import string
import zipfile

import openpyxl
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.invitees import parsing
from tracker.invitees.parsing import (
    FILE_ERRORS,
    REASONS,
    ParsedInvitee,
    ParseResult,
    RowError,
    normalize_email,
    parse_invitee_file,
)

GROUPS = ["Stadtrat", "Verwaltung", "Presse"]
HEADER = ["Name", "E-Mail", "Referat", "Gruppe", "Sprache"]
MUELLER = ["Jürgen Müller", "juergen.mueller@muenchen.de", "Straßenbau", "Stadtrat", "Deutsch"]
MUELLER_ROW = ParsedInvitee(2, "Jürgen Müller", "juergen.mueller@muenchen.de", "Straßenbau", "Stadtrat", "de")

few = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
many = settings(max_examples=300, deadline=None)


def csv_bytes(rows, delimiter=";", encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, start_row=1):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row_number, row in enumerate(rows, start=start_row):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row_number, column, value)
            if isinstance(value, str):
                cell.data_type = "s"  # text as typed, even if it starts with "="
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def parse(data, **options):
    options.setdefault("group_names", GROUPS)
    return parse_invitee_file(data, **options)


def parse_text(text, **options):
    return parse(text.encode(), **options)


def reasons(result):
    return [(error.line, error.reason, error.field) for error in result.errors]


# --- encodings and delimiters ------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("encoding, reported", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")])
def test_every_delimiter_and_encoding(delimiter, encoding, reported):
    result = parse(csv_bytes([HEADER, MUELLER], delimiter, encoding))
    assert result.ok
    assert (result.delimiter, result.encoding) == (delimiter, reported)
    assert result.rows == [MUELLER_ROW]
    assert result.errors == []
    assert result.total_lines == 1


def test_cp1252_umlauts_as_excel_writes_them():
    data = "Name;E-Mail;Referat\r\nFrau Müller;m@stadt.de;Straße und Grün\r\n".encode("cp1252")
    assert b"M\xfcller" in data
    result = parse(data)
    assert result.encoding == "cp1252"
    assert [(row.name, row.unit) for row in result.rows] == [("Frau Müller", "Straße und Grün")]


def test_bom_does_not_stick_to_the_first_header():
    result = parse(b"\xef\xbb\xbfE-Mail;Name\r\na@stadt.de;Anna\r\n")
    assert (result.encoding, [row.name for row in result.rows]) == ("utf-8-sig", ["Anna"])


def test_commas_in_unquoted_names_do_not_fool_the_delimiter_detection():
    text = "Name;E-Mail;Referat\n" + "".join(f"Müller, Hans {i};h{i}@stadt.de;Referat {i}, Abt. 2\n" for i in range(5))
    result = parse_text(text)
    assert result.delimiter == ";"
    assert result.rows[0].name == "Müller, Hans 0"
    assert result.rows[0].unit == "Referat 0, Abt. 2"


@pytest.mark.parametrize(
    "text, delimiter",
    [
        ("Name;E-Mail;Referat\nAnna;a@stadt.de\nBert;b@stadt.de;Ref 1;x\n", ";"),  # the sniffer gives up
        ('Name;E-Mail\n"a,b","c,d","e,f"\n', ";"),  # the sniffer says "," but the header has none
        ("Name\tE-Mail\tReferat\nAnna\ta@stadt.de\tRef 1;2\n", "\t"),
    ],
)
def test_the_header_line_decides_when_sniffing_fails(text, delimiter):
    assert parse_text(text).delimiter == delimiter


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_excel_separator_hint_line(delimiter):
    text = f"SEP={delimiter}\r\nName{delimiter}E-Mail\r\n\r\nAnna{delimiter}a@stadt.de\r\n"
    result = parse_text(text)
    assert result.delimiter == delimiter
    assert [(row.line, row.name) for row in result.rows] == [(4, "Anna")]


def test_old_mac_and_unix_line_endings():
    for newline in ("\r", "\n"):
        result = parse_text(newline.join(["Name;E-Mail", "Anna;a@stadt.de", "Bert;b@stadt.de"]))
        assert [(row.line, row.name) for row in result.rows] == [(2, "Anna"), (3, "Bert")]


# --- headers -----------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ["Name", "E-Mail", "Referat", "Gruppe", "Sprache"],
        ["Vollständiger Name", "E-Mail-Adresse", "Dienststelle", "Zielgruppe", "Sprache"],
        ["Full name", "Email address", "Department", "Group", "Language"],
        ["Name", "Mail", "Unit", "Group", "Language"],
        ["  VOLLSTÄNDIGER   NAME ", "e-mail adresse", "ORGANISATIONS-EINHEIT", "gruppe:", "SPRACHE*"],
        ["full_name", "E-Mail *", "Organization", "Group", "language"],
    ],
)
def test_german_and_english_headers_in_any_case_and_punctuation(header):
    result = parse(csv_bytes([header, MUELLER]))
    assert result.rows == [MUELLER_ROW]


@pytest.mark.parametrize(
    "alias, field",
    [
        *[(alias, "email") for alias in ["E-Mail", "Email", "E-Mail-Adresse", "Mail", "Email address"]],
        *[(alias, "group") for alias in ["Gruppe", "Zielgruppe", "Group"]],
        *[
            (alias, "unit")
            for alias in [
                "Referat",
                "Dienststelle",
                "Organisation",
                "Organisationseinheit",
                "Eigenbetrieb",
                "Unit",
                "Department",
                "Organization",
            ]
        ],
        *[(alias, "language") for alias in ["Sprache", "Language"]],
    ],
)
def test_every_header_alias(alias, field):
    columns = {"name": "Name", "email": "E-Mail", "group": "Gruppe", "unit": "Referat", "language": "Sprache"}
    columns[field] = alias
    values = {"name": "Anna", "email": "a@stadt.de", "group": "Presse", "unit": "Referat 4", "language": "en"}
    result = parse(csv_bytes([list(columns.values()), list(values.values())]))
    assert result.rows == [ParsedInvitee(2, "Anna", "a@stadt.de", "Referat 4", "Presse", "en")]


@pytest.mark.parametrize("first", ["Vorname", "First name", "Firstname", "Given name"])
@pytest.mark.parametrize("last", ["Nachname", "Last name", "Lastname", "Surname", "Familienname"])
def test_first_and_last_name_are_combined(first, last):
    result = parse(csv_bytes([[last, "E-Mail", first], ["Müller", "m@stadt.de", "Jürgen"]]))
    assert [row.name for row in result.rows] == ["Jürgen Müller"]


def test_name_next_to_vorname_is_the_surname():
    result = parse(csv_bytes([["Name", "Vorname", "E-Mail"], ["Müller", "Jürgen", "m@stadt.de"]]))
    assert [row.name for row in result.rows] == ["Jürgen Müller"]


def test_full_name_column_wins_over_parts():
    header = ["Vorname", "Nachname", "Vollständiger Name", "E-Mail"]
    result = parse(csv_bytes([header, ["Jürgen", "Müller", "Dr. Jürgen Müller", "m@stadt.de"]]))
    assert [row.name for row in result.rows] == ["Dr. Jürgen Müller"]


def test_one_empty_name_part_leaves_the_other():
    rows = [["Vorname", "Nachname", "E-Mail"], ["", "Müller", "m@stadt.de"], ["Anna", " ", "a@stadt.de"]]
    assert [row.name for row in parse(csv_bytes(rows)).rows] == ["Müller", "Anna"]


def test_optional_columns_may_be_absent_and_short_rows_are_padded():
    result = parse_text("E-Mail;Name;Referat\na@stadt.de;Anna\n")
    assert result.rows == [ParsedInvitee(2, "Anna", "a@stadt.de", None, None, None)]


def test_first_matching_column_wins():
    result = parse_text("E-Mail;Mail;Name\na@stadt.de;b@stadt.de;Anna\n")
    assert [row.email for row in result.rows] == ["a@stadt.de"]


# --- values ------------------------------------------------------------------


def test_whitespace_is_stripped_and_collapsed():
    text = 'Name;E-Mail;Referat\n"  Jürgen \t\u00a0 Müller ";  m@stadt.de  ;" Referat\n 3 "\n'
    result = parse_text(text)
    assert result.rows == [ParsedInvitee(2, "Jürgen Müller", "m@stadt.de", "Referat 3", None, None)]


def test_email_domain_is_normalized_but_local_part_keeps_its_case():
    text = (
        "Name;E-Mail\nAnna;Anna.Schmidt@Stadt.MUENCHEN.de\nBert;Bert@Bücher.DE\nCarl;Postmaster@Stadt.de\n"
        "Dora;Dora@XN--BCHER-KVA.de\nEmil;Émile@Stadt.de\n"
    )
    assert [row.email for row in parse_text(text).rows] == [
        "Anna.Schmidt@stadt.muenchen.de",
        "Bert@bücher.de",
        "Postmaster@stadt.de",
        "Dora@bücher.de",
        "Émile@stadt.de",
    ]


@pytest.mark.parametrize(
    "raw, language",
    [("de", "de"), ("DE", "de"), ("Deutsch", "de"), ("german", "de"), ("en", "en"), ("Englisch", "en"),
     (" English ", "en"), ("", None)],
)
def test_language_values(raw, language):
    result = parse(csv_bytes([["Name", "E-Mail", "Sprache"], ["Anna", "a@stadt.de", raw]]))
    assert [row.language for row in result.rows] == [language]


def test_an_empty_cell_is_no_group_even_if_a_group_name_is_blank():
    result = parse(csv_bytes([["Name", "E-Mail", "Gruppe"], ["Anna", "a@stadt.de", " "]]), group_names=["", "Presse"])
    assert [row.group for row in result.rows] == [None]


def test_groups_match_case_insensitively_and_come_back_canonical():
    rows = [["Name", "E-Mail", "Gruppe"], ["A", "a@stadt.de", "STADTRAT"], ["B", "b@stadt.de", " presse "],
            ["C", "c@stadt.de", ""]]
    assert [row.group for row in parse(csv_bytes(rows)).rows] == ["Stadtrat", "Presse", None]


def test_every_reason_code():
    rows = [
        ["Name", "E-Mail", "Referat", "Gruppe", "Sprache"],
        ["Anna", "not-an-address", "", "", ""],  # 2
        ["Bert", "b@stadt.de", "", "Feuerwehr", ""],  # 3
        ["Carl", "c@stadt.de", "", "", ""],  # 4
        ["Carl again", "C@Stadt.de", "", "", ""],  # 5
        ["Dora", "dora@stadt.de", "", "", ""],  # 6
        ["", "e@stadt.de", "", "", ""],  # 7
        ["F" * 201, "f@stadt.de", "", "", ""],  # 8
        ["Gina\x07", "g@stadt.de", "", "", ""],  # 9
        ["Hans", "h@stadt.de", "", "", "français"],  # 10
    ]
    result = parse(csv_bytes(rows), existing_emails={"dora@stadt.de"})
    assert reasons(result) == [
        (2, "invalid_email", "email"),
        (5, "duplicate_in_file", "email"),
        (6, "duplicate_in_event", "email"),
        (7, "empty_name", "name"),
        (8, "too_long", "name"),
        (9, "invalid_characters", "name"),
        (10, "unknown_language", "language"),
    ]
    assert {reason for _, reason, _ in reasons(result)} == set(REASONS)
    assert [row.line for row in result.rows] == [3, 4]
    assert result.rows[0].unmapped_group == "feuerwehr"
    assert result.total_lines == 9


@pytest.mark.parametrize(
    "address",
    ["", "   ", "anna", "anna@", "@stadt.de", "anna@@stadt.de", "an na@stadt.de", "anna..b@stadt.de",
     "anna@localhost", "anna@stadt.local", "anna@stadt.test", "Anna <anna@stadt.de>", "anna@-stadt.de",
     "anna@stadt.123", "anna@[127.0.0.1]", '"anna b"@stadt.de'],
)
def test_invalid_addresses(address):
    result = parse(csv_bytes([["Name", "E-Mail"], ["Anna", address]]))
    assert result.errors == [RowError(2, "invalid_email", "email", address)]


def test_length_limits_are_inclusive_and_name_the_field():
    local = "a" * 64
    email_254 = f"{local}@{'b' * 63}.{'c' * 63}.{'d' * 58}.de"
    assert len(email_254) == 254
    rows = [
        ["Name", "E-Mail", "Referat"],
        ["N" * 200, email_254, "U" * 200],
        ["Anna", "x" + email_254, ""],
        ["Bert", "b@stadt.de", "U" * 201],
    ]
    result = parse(csv_bytes(rows))
    assert [row.line for row in result.rows] == [2]
    assert reasons(result) == [(3, "too_long", "email"), (4, "too_long", "unit")]


def test_control_characters_are_rejected_in_every_text_field():
    rows = [["Name", "E-Mail", "Referat"], ["An\x1bna", "a\x7f@stadt.de", "Referat\x0b3"]]
    assert reasons(parse(csv_bytes(rows))) == [
        (2, "invalid_characters", "name"),
        (2, "invalid_characters", "email"),
        (2, "invalid_characters", "unit"),
    ]


def test_one_row_can_have_several_errors_and_values_are_cut_to_80():
    rows = [["Name", "E-Mail", "Sprache"], ["", "x" * 300, "Unbekannt"]]
    result = parse(csv_bytes(rows))
    assert [(error.reason, error.field, error.value) for error in result.errors] == [
        ("empty_name", "name", ""),
        ("too_long", "email", "x" * 80),
        ("unknown_language", "language", "Unbekannt"),
    ]


def test_any_group_is_unknown_when_the_event_has_none():
    result = parse(csv_bytes([["Name", "E-Mail", "Gruppe"], ["Anna", "a@stadt.de", "Stadtrat"]]), group_names=())
    assert result.errors == []
    assert {key: (unknown.value, unknown.rows) for key, unknown in result.unknown_groups.items()} == {
        "stadtrat": ("Stadtrat", 1)
    }


# --- unknown groups, duplicates, cleaned values ------------------------------


def english_file(rows=300):
    """An English export whose groups the event spells differently: council and staff."""
    lines = [["First name", "Last name", "Email", "Group"]]
    lines += [[f"P{n}", "Doe", f"p{n}@city.example", "council" if n % 3 == 0 else " Staff "] for n in range(rows)]
    return csv_bytes(lines, ",")


def test_unknown_group_values_are_one_question_each_not_an_error_per_row():
    result = parse(english_file())
    assert result.errors == []
    assert len(result.rows) == 300
    assert [(key, unknown.value, unknown.rows) for key, unknown in result.unknown_groups.items()] == [
        ("council", "council", 100),
        ("staff", "Staff", 200),
    ]
    assert {row.unmapped_group for row in result.rows} == {"council", "staff"}


def test_a_mapping_answers_each_unknown_value_with_a_group_or_no_group():
    result = parse(english_file(), group_mapping={"council": "Stadtrat", "staff": None})
    assert result.unknown_groups == {}
    assert [(row.group, row.unmapped_group) for row in result.rows[:3]] == [
        ("Stadtrat", None), (None, None), (None, None)
    ]


def test_a_partial_mapping_leaves_the_other_value_unknown():
    result = parse(english_file(6), group_mapping={"council": "Stadtrat"})
    assert list(result.unknown_groups) == ["staff"]
    assert [row.group for row in result.rows] == ["Stadtrat", None, None, "Stadtrat", None, None]


def test_too_many_distinct_unknown_groups_is_a_wrong_column():
    rows = [["Name", "E-Mail", "Gruppe"]] + [[f"P{n}", f"p{n}@stadt.de", f"Wert {n}"] for n in range(60)]
    result = parse(csv_bytes(rows))
    assert (result.file_error, result.file_error_detail) == ("too_many_groups", "50")
    assert result.rows == [] and result.unknown_groups == {}


def test_a_duplicate_names_the_line_it_repeats():
    rows = [["Name", "E-Mail"], ["Anna", "a@stadt.de"], ["Bert", "b@stadt.de"], ["Anna B", "A@Stadt.de"],
            ["Anna C", "a@stadt.de"]]
    result = parse(csv_bytes(rows))
    assert [(error.line, error.reason, error.other_line) for error in result.errors] == [
        (4, "duplicate_in_file", 2),
        (5, "duplicate_in_file", 2),
    ]


@pytest.mark.parametrize(
    "raw, cleaned, warnings",
    [
        ("=HYPERLINK(\"http://x\")", "HYPERLINK(\"http://x\")", ["formula"]),
        ("+49 Anna", "49 Anna", ["formula"]),
        ("-Anna", "Anna", ["formula"]),
        ("@Anna", "Anna", ["formula"]),
        ("<b>Anna</b> Müller", "Anna Müller", ["markup"]),
        ("<script>=1+2</script>", "1+2", ["markup", "formula"]),
        ("Anna-Lena Müller", "Anna-Lena Müller", []),
        ("Anna < Bert", "Anna < Bert", []),
    ],
)
def test_defused_and_cleaned_values_are_imported_with_a_warning(raw, cleaned, warnings):
    result = parse(csv_bytes([["Name", "E-Mail", "Referat"], [raw, "a@stadt.de", raw]]))
    assert [(row.name, row.unit) for row in result.rows] == [(cleaned, cleaned)]
    assert [(w.line, w.reason, w.field) for w in result.warnings] == [
        (2, reason, column) for column in ("name", "unit") for reason in warnings
    ]
    assert all(w.value.startswith(raw[:1]) for w in result.warnings if w.reason == warnings[0])


def test_a_row_with_an_error_has_no_warnings():
    result = parse(csv_bytes([["Name", "E-Mail"], ["=Anna", "kaputt"]]))
    assert reasons(result) == [(2, "invalid_email", "email")]
    assert result.warnings == []


def test_a_name_that_is_only_markup_is_empty():
    assert reasons(parse(csv_bytes([["Name", "E-Mail"], ["<b></b>", "a@stadt.de"]]))) == [(2, "empty_name", "name")]


def test_first_occurrence_of_an_address_claims_it_even_if_its_row_is_bad():
    rows = [["Name", "E-Mail"], ["", "a@stadt.de"], ["Anna", "A@STADT.DE"]]
    assert reasons(parse(csv_bytes(rows))) == [(2, "empty_name", "name"), (3, "duplicate_in_file", "email")]


def test_existing_emails_may_be_any_collection():
    rows = [["Name", "E-Mail"], ["Anna", "Anna@Stadt.de"]]
    assert reasons(parse(csv_bytes(rows), existing_emails=["anna@stadt.de"])) == [(2, "duplicate_in_event", "email")]


# --- line numbers and blank rows ---------------------------------------------


def test_blank_rows_are_skipped_and_lines_count_as_the_organiser_sees_them():
    text = (
        "\n"  # 1
        "Name;E-Mail\n"  # 2
        ";;;\n"  # 3
        "Anna;a@stadt.de\n"  # 4
        "  ;  \n"  # 5
        '"Bert\n'  # 6
        'Berger";b@stadt.de\n'  # 7
        "\n"  # 8
        "Carl;kaputt\n"  # 9
        'Dora;d@stadt.de;"eine\r\nlange\r\nNotiz"\n'  # 10-12
        "Emil;e@\n"  # 13
    )
    result = parse_text(text)
    assert [(row.line, row.name) for row in result.rows] == [(4, "Anna"), (6, "Bert Berger"), (10, "Dora")]
    assert reasons(result) == [(9, "invalid_email", "email"), (13, "invalid_email", "email")]
    assert result.total_lines == 5


# --- XLSX --------------------------------------------------------------------


def test_xlsx_first_sheet_with_numbers_and_blank_rows():
    rows = [
        HEADER,
        MUELLER,
        [None] * 5,
        ["Anna", "a@stadt.de", 3.0, "presse", "EN"],
        ["Bert", "kaputt", 12, None, None],
    ]
    result = parse(xlsx_bytes(rows), filename="liste.xlsx")
    assert result.ok
    assert (result.delimiter, result.encoding) == (None, None)
    assert result.rows == [MUELLER_ROW, ParsedInvitee(4, "Anna", "a@stadt.de", "3", "Presse", "en")]
    assert reasons(result) == [(5, "invalid_email", "email")]


def test_xlsx_lines_are_worksheet_row_numbers():
    result = parse(xlsx_bytes([HEADER, MUELLER], start_row=3))
    assert [row.line for row in result.rows] == [4]


def test_xlsx_markup_and_formulas_are_cleaned_with_a_warning():
    result = parse(xlsx_bytes([["Name", "E-Mail"], ["<script>x</script>", "a@stadt.de"], ["=1+2", "b@stadt.de"]]))
    assert [row.name for row in result.rows] == ["x", "1+2"]
    assert [(w.line, w.reason, w.value, w.cleaned) for w in result.warnings] == [
        (2, "markup", "<script>x</script>", "x"), (3, "formula", "=1+2", "1+2")
    ]


def test_format_is_decided_by_content_not_by_name():
    assert parse(xlsx_bytes([HEADER, MUELLER]), filename="liste.csv").rows == [MUELLER_ROW]
    assert parse(csv_bytes([HEADER, MUELLER]), filename="liste.xlsx").rows == [MUELLER_ROW]


# --- file errors -------------------------------------------------------------


def file_error(result):
    assert isinstance(result, ParseResult)
    assert not result.ok
    assert result.rows == [] and result.errors == []
    return result.file_error, result.file_error_detail


@pytest.mark.parametrize(
    "data",
    [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b";;;\n;;\n", b"Name;E-Mail\r\n", b"Name;E-Mail\n;\n\n"],
)
def test_empty_file(data):
    assert file_error(parse(data)) == ("empty_file", None)


def test_empty_workbook():
    assert file_error(parse(xlsx_bytes([["Name", "E-Mail"]]))) == ("empty_file", None)


@pytest.mark.parametrize(
    "data, detail",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "xls"),
        (b"PK\x03\x04 truncated upload", "workbook"),
        (zip_bytes({"content.xml": "<office:document/>", "mimetype": "application/vnd.oasis"}), "workbook"),
        ("Name;E-Mail\nAnna;a@stadt.de\n".encode() + b"\x81\x8d\x8f", "encoding"),
        (b'Name;E-Mail\n"' + b"x" * 200_000 + b'";a@stadt.de\n', "csv"),
    ],
)
def test_unreadable(data, detail):
    assert file_error(parse(data)) == ("unreadable", detail)


@pytest.mark.parametrize(
    "header, missing",
    [
        (["Name", "Telefon"], "email"),
        (["E-Mail", "Referat"], "name"),
        (["Vorname", "E-Mail"], "name"),
        (["Nachname", "E-Mail"], "name"),
        (["Wer", "Wohin"], "name,email"),
    ],
)
def test_missing_columns(header, missing):
    result = parse(csv_bytes([header, ["x", "y"]]))
    assert file_error(result) == ("missing_columns", missing)
    assert result.delimiter == ";"


def test_missing_columns_in_a_workbook():
    assert file_error(parse(xlsx_bytes([["Name", "Telefon"], ["Anna", "123"]]))) == ("missing_columns", "email")


def test_too_many_rows():
    rows = [["Name", "E-Mail"], *[[f"P{i}", f"p{i}@stadt.de"] for i in range(3)], ["", ""]]
    assert parse(csv_bytes(rows), max_rows=3).ok
    assert file_error(parse(csv_bytes(rows), max_rows=2)) == ("too_many_rows", "2")


def test_workbook_that_unpacks_too_large(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_XLSX_UNPACKED_BYTES", 1000)
    assert file_error(parse(xlsx_bytes([HEADER, MUELLER]))) == ("too_large", "unpacked")


def test_codes_are_stable():
    assert FILE_ERRORS == ("empty_file", "unreadable", "missing_columns", "too_many_rows", "too_large", "too_many_groups")
    assert len(set(REASONS)) == len(REASONS) == 7


# --- properties --------------------------------------------------------------


@many
@given(st.one_of(st.binary(max_size=3000), st.binary(max_size=3000).map(lambda data: b"PK\x03\x04" + data)))
def test_arbitrary_bytes_never_raise(data):
    result = parse(data)
    assert isinstance(result, ParseResult)
    assert result.ok or result.file_error in FILE_ERRORS
    assert {error.reason for error in result.errors} <= set(REASONS)


@many
@given(st.text(max_size=2000), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_arbitrary_text_below_a_header_never_raises(text, encoding):
    result = parse(("Name;E-Mail;Gruppe;Sprache;Referat\n" + text).encode(encoding, errors="replace"))
    assert isinstance(result, ParseResult)
    assert all(error.line >= 2 for error in result.errors)


@many
@given(st.dictionaries(st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                        "_rels/.rels", "xl/_rels/workbook.xml.rels"]), st.binary(max_size=300)))
def test_arbitrary_zip_archives_never_raise(members):
    assert isinstance(parse(zip_bytes(members)), ParseResult)


# Names in Windows-1252 files: ASCII plus letters encoded at 0xC0 and above, which can never
# form valid UTF-8, so the decoder cannot mistake such a file for UTF-8.
CP1252_TEXT = st.text(
    st.sampled_from([chr(code) for code in range(0x20, 0x7F)] + list("äöüÄÖÜßéèàçñ")), min_size=1, max_size=40
)
UNICODE_TEXT = st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=40)
EMAILS = st.builds(
    "{}@{}.{}".format,
    st.lists(st.text(string.ascii_letters + string.digits + "_+-", min_size=1, max_size=10), min_size=1, max_size=3)
    .map(".".join),
    st.lists(st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10), min_size=1, max_size=2)
    .map("-".join),
    st.sampled_from(["de", "com", "eu", "org"]),
)


def clean(text):
    return " ".join(text.split())


def kept_as_is(text):
    """Text the import stores unchanged: no markup, no leading formula character (those are cleaned)."""
    return bool(text) and "<" not in text and not text.startswith(tuple(parsing.FORMULA_STARTS))


@st.composite
def invitee_lists(draw, text):
    invitees = draw(
        st.lists(
            st.tuples(
                text.map(clean).filter(kept_as_is),
                EMAILS,
                st.one_of(st.just(""), text.map(clean).filter(kept_as_is)),
                st.sampled_from(["", *GROUPS]),
                st.sampled_from(["", "de", "en"]),
            ),
            min_size=1,
            max_size=10,
            unique_by=lambda invitee: invitee[1].lower(),
        )
    )
    return [
        ParsedInvitee(line, name, email, unit or None, group or None, language or None)
        for line, (name, email, unit, group, language) in enumerate(invitees, start=2)
    ]


def write_invitees(invitees, delimiter, encoding):
    rows = [[invitee.name, invitee.email, invitee.unit or "", invitee.group or "", invitee.language or ""]
            for invitee in invitees]
    return csv_bytes([HEADER, *rows], delimiter, encoding)


@few
@given(invitee_lists(UNICODE_TEXT), st.sampled_from([";", ",", "\t"]), st.sampled_from(["utf-8", "utf-8-sig"]))
def test_round_trip_utf8(invitees, delimiter, encoding):
    result = parse(write_invitees(invitees, delimiter, encoding))
    assert (result.file_error, result.errors, result.delimiter) == (None, [], delimiter)
    assert result.rows == invitees


@few
@given(invitee_lists(CP1252_TEXT), st.sampled_from([";", ",", "\t"]))
def test_round_trip_cp1252(invitees, delimiter):
    data = write_invitees(invitees, delimiter, "cp1252")
    result = parse(data)
    assert (result.file_error, result.errors, result.delimiter) == (None, [], delimiter)
    assert result.encoding == ("utf-8" if data.isascii() else "cp1252")
    assert result.rows == invitees


@few
@given(invitee_lists(UNICODE_TEXT))
def test_round_trip_xlsx(invitees):
    rows = [[invitee.name, invitee.email, invitee.unit, invitee.group, invitee.language] for invitee in invitees]
    assert parse(xlsx_bytes([HEADER, *rows])).rows == invitees


@many
@given(
    st.one_of(
        EMAILS,
        st.builds(
            "{}@{}".format,
            st.text(string.ascii_letters + string.digits + ".!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=20),
            st.text(string.ascii_letters + string.digits + ".-", min_size=1, max_size=30),
        ),
        st.text(max_size=30),
    )
)
def test_normalize_email_agrees_with_email_validator(address):
    try:
        expected = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    normalized = normalize_email(address)
    if expected is None:
        assert normalized is None
    else:
        assert normalized is not None and normalized.lower() == expected.lower()
        assert normalized.rpartition("@")[0] in (address.rpartition("@")[0], expected.rpartition("@")[0])
