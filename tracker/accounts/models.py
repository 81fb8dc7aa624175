"""Organiser, administrator and door-staff accounts."""
import hashlib
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, String, func
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
    #: Failed logins since the last success; drives the temporary lock-out.
    failed_logins: Mapped[int] = mapped_column(default=0)
    #: Logins are refused until this moment after too many failures.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
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

    def get_id(self) -> str:
        """The session's reference to the account: its id and a stamp of its password, so a new password ends
        every session signed in with the old one."""
        return f"{self.id}-{self.password_stamp}"

    @property
    def password_stamp(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


Index("uq_users_email_lower", func.lower(User.email), unique=True)
