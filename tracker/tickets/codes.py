"""Ticket codes for the council-hall door, e.g. ``T3K9QX0MV7D2HC5NRWC``.

A code is ``T`` + 17 random payload symbols + 1 check symbol (19 characters),
using only digits and upper-case letters, so the QR code stays in alphanumeric
mode (version 1 at error correction M holds 20 such characters) and a USB hand
scanner types nothing that a German keyboard layout turns into another symbol.
The code is random (``secrets``) and carries no personal data.

Alphabet: Crockford's base32 without ``Z``, i.e. ``0-9`` and ``A-Z`` without
``I L O U Z`` -- 31 symbols.

* Hand scanners send US key codes; on a QWERTZ layout ``Y`` and ``Z`` come out
  swapped.  With both in the alphabet a swap would yield another well-shaped
  code; with only ``Y`` a typed ``Z`` is simply mapped back.  (Dropping ``Y``
  too would merely detect the swap instead of repairing it.)
* 31 is prime, which a weighted check needs: modulo 32 no weighted sum catches
  every adjacent transposition, as that needs odd weights whose differences are
  odd as well.
* 31 symbols carry log2(31) = 4.95 bits, so 16 would be 79.3 bits; the 17
  payload symbols give 84.2 bits.

Check symbol: with values v1..v18 of the payload and check symbols and weights
1..18, the code is well formed iff sum(i * vi) = 0 (mod 31).  Because Z/31 is a
field, changing one symbol from a to b changes the sum by i * (a - b) != 0, and
swapping two different symbols at positions i and j changes it by
(i - j) * (a - b) != 0 since the weights are distinct modulo 31.  So every
single substitution and every transposition (adjacent or not) is detected.
"""
import re
import secrets
import unicodedata

TICKET_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXY"
TICKET_PREFIX = "T"
_PAYLOAD_LENGTH = 17
TICKET_CODE_LENGTH = len(TICKET_PREFIX) + _PAYLOAD_LENGTH + 1

_BASE = len(TICKET_ALPHABET)
_VALUES = {symbol: value for value, symbol in enumerate(TICKET_ALPHABET)}
_WEIGHTS = range(1, _PAYLOAD_LENGTH + 2)
_CHECK_WEIGHT_INVERSE = pow(_WEIGHTS[-1], -1, _BASE)
# O and I/L are misread digits; Z is a Y typed by a scanner on a German layout.
_CONFUSABLES = str.maketrans("OILZ", "011Y")
# "https://" as typed, or as a US-keymap scanner types it on a German layout.
_URL_PREFIX = re.compile(r"HTTPS?(?::|Ö)(?://|--)")


def new_ticket_code() -> str:
    payload = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(_PAYLOAD_LENGTH))
    return TICKET_PREFIX + payload + _check_symbol(payload)


def normalize_scanned_code(raw: str) -> str | None:
    """Canonical code from scanner or keyboard input, or None if it is not shaped like one.

    The check symbol is not verified here: see is_well_formed().
    """
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(char for char in text if unicodedata.category(char)[0] not in "CZ").upper()
    if _URL_PREFIX.match(text):
        segments = re.findall(r"[0-9A-Z]+", text)
        text = segments[-1]
    code = text.translate(_CONFUSABLES)
    return code if _has_shape(code) else None


def is_well_formed(code: str) -> bool:
    """Whether a canonical code has the right shape and a valid check symbol."""
    return _has_shape(code) and _weighted_sum(code[len(TICKET_PREFIX) :]) == 0


def _has_shape(code: str) -> bool:
    return (
        len(code) == TICKET_CODE_LENGTH
        and code.startswith(TICKET_PREFIX)
        and all(symbol in _VALUES for symbol in code[len(TICKET_PREFIX) :])
    )


def _weighted_sum(symbols: str) -> int:
    return sum(weight * _VALUES[symbol] for weight, symbol in zip(_WEIGHTS, symbols)) % _BASE


def _check_symbol(payload: str) -> str:
    """The symbol that, appended to the payload, makes the weighted sum vanish."""
    return TICKET_ALPHABET[-_weighted_sum(payload) * _CHECK_WEIGHT_INVERSE % _BASE]
