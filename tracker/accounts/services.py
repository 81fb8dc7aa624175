"""Accounts: creation and the login check with temporary lock-out."""
from datetime import timedelta

from sqlalchemy import func, select

from ..database import utcnow
from ..extensions import db
from .models import Role, User

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
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


def authenticate(email: str, password: str) -> tuple[User | None, str | None]:
    """The user if the password is right, else None and why: 'invalid' or 'locked'."""
    user = find_user(email)
    now = utcnow()
    if user is None or not user.active:
        return None, "invalid"
    if user.locked_until and user.locked_until > now:
        return None, "locked"
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            return None, "locked"
        return None, "invalid"
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user, None


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
    if active:
        user.failed_logins = 0
        user.locked_until = None


def reset_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters", "short_password")
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
