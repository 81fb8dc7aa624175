"""Every user-facing string has a German translation, and German is the default."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]


def extracted_ids() -> set[str]:
    ids = set()
    for folder in ("tracker", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, METHODS, keywords=KEYWORDS, options_map={"**.html": {"extensions": "jinja2.ext.i18n"}}
        ):
            ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_every_string_has_a_german_translation():
    with open(ROOT / "tracker/translations/de/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po, locale="de")
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(extracted_ids() - translated)
    assert not missing, "untranslated (run `make translations`, then fill msgstr in the German .po):\n" + "\n".join(missing)
