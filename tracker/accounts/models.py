"""Organiser, administrator and door-staff accounts."""
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import UTCDateTime, utcnow
from ..extensions import db


class Role(StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    DOOR = "door"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'organiser', 'door')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name; unique regardless of case.
    email: Mapped[str] = mapped_column(String(254))
    #: Name shown in the UI and the audit log.
    name: Mapped[str] = mapped_column(String(200))
    #: Werkzeug hash (scrypt) of the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    #: What the account may do: admin, organiser or door.
    role: Mapped[str] = mapped_column(String(20), default=Role.ORGANISER)
    #: Deactivated accounts cannot log in.
    active: Mapped[bool] = mapped_column(default=True)
    #: Preferred UI language, de or en.
    language: Mapped[str] = mapped_column(String(2), default="de")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_organiser(self) -> bool:
        return self.role in (Role.ORGANISER, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    #: The token of the login this request came with (not stored: its hash is in login_sessions).
    session_token = None

    def get_id(self) -> str | None:
        """What the session cookie holds: the login's token, looked up in login_sessions on every request."""
        return self.session_token

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


Index("uq_users_email_lower", func.lower(User.email), unique=True)


class LoginSession(db.Model):
    """One login of an account: the session cookie holds its token; deleting the row ends the session at once,
    on every worker (logout, new password, deactivation, an administrator's "end all sessions")."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random token in the session cookie; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When the person logged in; after SESSION_ABSOLUTE_LIFETIME the login ends however active it is.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
