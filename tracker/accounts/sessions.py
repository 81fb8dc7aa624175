"""Logins that the server can end: a random token in the session cookie, its hash in login_sessions."""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..database import utcnow
from ..extensions import db
from .models import LoginSession, User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _oldest_valid_login():
    return utcnow() - timedelta(seconds=current_app.config["SESSION_ABSOLUTE_LIFETIME"])


def start_session(user: User) -> None:
    """Record a new login of the user (its token becomes `user.session_token`); logins past their lifetime go."""
    db.session.execute(delete(LoginSession).where(LoginSession.created_at < _oldest_valid_login()))
    user.session_token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=_hash(user.session_token)))


def user_of_session(token: str) -> User | None:
    """The active account of a login that has not ended, or None (ended, expired, deactivated, unknown)."""
    if not token or len(token) > 100:
        return None
    user = db.session.execute(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _hash(token), LoginSession.created_at >= _oldest_valid_login(), User.active)
    ).scalar_one_or_none()
    if user is not None:
        user.session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(token)))


def end_all_sessions(user: User) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def open_sessions(user: User) -> int:
    """How many logins of the user are open now."""
    return db.session.execute(
        select(func.count()).where(LoginSession.user_id == user.id, LoginSession.created_at >= _oldest_valid_login())
    ).scalar_one()
