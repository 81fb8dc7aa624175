"""The mail's own header lines, folded as RFC 5322 and RFC 2047 ask.

Lines of at most 78 characters, encoded words of at most 75, and the value starts on the header's first line.
The classic email.header.Header folder breaks two of these rules (77-character encoded words, and an empty first
line before a long word); email.policy's folder is right but costs milliseconds per address header, which
matters when 40,000 invitations are queued. A value's whitespace is normalised, so no value can start a new header.
"""
from email.charset import Charset
from email.utils import formataddr
from itertools import chain, repeat

#: RFC 5322 2.1.1: a line SHOULD have at most 78 characters.
MAX_LINE = 78
#: RFC 2047 2: an encoded word has at most 75 characters.
MAX_ENCODED_WORD = 75
_UTF8 = Charset("utf-8")


def header_line(name: str, value: str) -> str:
    """`Name: value` folded, ending with a newline; text with other than ASCII characters as encoded words."""
    text = " ".join(value.split())
    words = text.split(" ") if text.isascii() else _encoded_words(text, _room_on_first_line(name))
    return _folded(name, words)


def address_line(name: str, display_name: str, address: str) -> str:
    """An address header `Name: display name <address>` folded; a display name in other than ASCII encoded."""
    display_name = " ".join(display_name.split())
    if not display_name:
        return _folded(name, [address])
    if display_name.isascii():
        words = formataddr((display_name, address)).split(" ")
    else:
        words = _encoded_words(display_name, _room_on_first_line(name)) + [f"<{address}>"]
    return _folded(name, words)


def _room_on_first_line(name: str) -> int:
    return MAX_LINE - len(name) - 2


def _encoded_words(text: str, first: int) -> list[str]:
    """`text` as encoded words: the first fits on the header's first line, each at most 75 characters long."""
    lengths = chain([min(first, MAX_ENCODED_WORD)], repeat(MAX_ENCODED_WORD))
    return [word for word in _UTF8.header_encode_lines(text, lengths) if word]


def _folded(name: str, words: list[str]) -> str:
    """The words after `Name:`, a new line (starting with a space) wherever the next word would pass 78 characters."""
    lines = [f"{name}: {words[0]}"]
    for word in words[1:]:
        if len(lines[-1]) + 1 + len(word) <= MAX_LINE:
            lines[-1] += " " + word
        else:
            lines.append(" " + word)
    return "\n".join(lines) + "\n"
