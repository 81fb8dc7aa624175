"""Personal links: an unguessable token per invitee, stored only as a hash.

The token is derived from a random 128-bit nonce kept with the invitee and the app's
secret key, so the app can put the same link in every mail (invitation, reminder,
confirmation) while the database alone reveals no working link. Rotating the nonce
revokes the old link.
"""
import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from .models import Invitee


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derive_token(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.digest(key, b"personal-link:" + nonce.encode(), "sha256")
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def assign_new_link(invitee: Invitee) -> str:
    """Give the invitee a fresh personal link (revoking any old one) and return its token."""
    invitee.link_nonce = secrets.token_hex(16)
    token = _derive_token(invitee.link_nonce)
    invitee.token_hash = token_hash(token)
    return token


def personal_token(invitee: Invitee) -> str:
    """The invitee's current token, for putting the link into a mail or page."""
    return _derive_token(invitee.link_nonce)


def find_by_token(token: str, *load_options) -> Invitee | None:
    """The invitee whose link this is, or None for an unknown, mistyped or revoked token.

    `load_options` (e.g. joinedload(Invitee.event)) load what the page needs in the same statement.
    """
    if not token or len(token) > 64:
        return None
    query = select(Invitee).where(Invitee.token_hash == token_hash(token)).options(*load_options)
    return db.session.execute(query).scalar_one_or_none()


def personal_url(invitee: Invitee, suffix: str = "") -> str:
    """The absolute personal link for mails, e.g. https://host/t/<token> (suffix "/watch" for the watch page)."""
    return f"{current_app.config['BASE_URL']}/t/{personal_token(invitee)}{suffix}"
