"""Accounts: creation, the login check, roles, activation and passwords."""
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import utcnow
from ..extensions import db
from .models import Role, User
from .sessions import end_all_sessions

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """Why an account change was refused: an English message (CLI) and a code the web pages translate."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def find_user(email: str) -> User | None:
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


def create_user(email: str, name: str, password: str, role: str = Role.ORGANISER) -> User:
    if role not in set(Role):
        raise AccountError(f"unknown role {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters", "short_password")
    if find_user(email):
        raise AccountError(f"an account for {email} exists already", "duplicate")
    user = User(email=email.strip(), name=name.strip(), role=role)
    user.set_password(password)
    db.session.add(user)
    return user


@cache
def _dummy_hash() -> str:
    """A hash made like the accounts' ones, checked for unknown addresses so that they cost the same time."""
    return generate_password_hash("no account has this password")


def authenticate(email: str, password: str) -> User | None:
    """The active account with this address if the password is right, else None; every failure costs one hash
    check, whether the account exists or not (repeated failures are throttled by tracker.limits.login)."""
    user = find_user(email)
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def change_role(user: User, role: str, acting: User) -> None:
    if role not in set(Role):
        raise AccountError(f"unknown role {role!r}")
    if user.id == acting.id and role != Role.ADMIN:
        raise AccountError("you cannot take the administrator role from yourself", "self")
    user.role = role


def set_active(user: User, active: bool, acting: User) -> None:
    if user.id == acting.id and not active:
        raise AccountError("you cannot deactivate your own account", "self")
    user.active = active
    if not active:
        end_all_sessions(user)


def reset_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters", "short_password")
    user.set_password(password)
    end_all_sessions(user)
