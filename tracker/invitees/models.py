"""People on an event's list."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..events.models import Event, Group
from ..extensions import db


class InviteeSource(StrEnum):
    IMPORT = "import"
    MANUAL = "manual"
    SELF = "self"
    WALK_IN = "walk_in"


#: Domain of the stand-in address of a walk-in registered at the door without an e-mail address (".invalid" is
#: reserved, RFC 2606): no mail is ever sent there.
NO_ADDRESS_DOMAIN = "door.invalid"


class Invitee(db.Model):
    __tablename__ = "invitees"
    __table_args__ = (
        CheckConstraint("language IN ('de', 'en')", name="language"),
        CheckConstraint("source IN ('import', 'manual', 'self', 'walk_in')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Audience group; none for people outside every group.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("audience_groups.id", ondelete="SET NULL"), index=True)
    #: Full name as it appears on the list and at the door.
    name: Mapped[str] = mapped_column(String(200))
    #: E-mail address; unique per event regardless of case.
    email: Mapped[str] = mapped_column(String(254))
    #: Organisational unit (Referat, Dienststelle, Eigenbetrieb).
    unit: Mapped[str | None] = mapped_column(String(200))
    #: Language of mails and pages for this person, de or en.
    language: Mapped[str] = mapped_column(String(2), default="de")
    #: How the person got on the list: import, manual, self or walk_in.
    source: Mapped[str] = mapped_column(String(10), default=InviteeSource.MANUAL)
    #: Random secret from which the personal link is derived (with the app key).
    link_nonce: Mapped[str] = mapped_column(String(32))
    #: SHA-256 of the personal link token, the only form in which the token is stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When a self-registered person confirmed their address; none until then.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the first invitation was queued.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the last reminder was queued.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    group: Mapped[Group | None] = relationship()

    @hybrid_property
    def reachable_by_mail(self) -> bool:
        """False for a walk-in registered without an e-mail address (see NO_ADDRESS_DOMAIN)."""
        return not self.email.endswith("@" + NO_ADDRESS_DOMAIN)

    @reachable_by_mail.inplace.expression
    @classmethod
    def _reachable_by_mail_expression(cls):
        return ~cls.email.endswith("@" + NO_ADDRESS_DOMAIN)
    #: Deleted with the invitee (by the database's cascade, without loading it first).
    registration: Mapped["Registration | None"] = relationship(  # noqa: F821
        back_populates="invitee", uselist=False, cascade="save-update, merge, delete", passive_deletes=True
    )


Index("uq_invitees_event_email_lower", Invitee.event_id, func.lower(Invitee.email), unique=True)


class PendingImport(db.Model):
    """An uploaded invitee list between preview and confirmation, kept in the database so any worker can finish it."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: The organiser who uploaded the file; only they may confirm it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The file's name as uploaded, shown on the preview.
    filename: Mapped[str] = mapped_column(String(255))
    #: The uploaded bytes, parsed again on confirmation.
    data: Mapped[bytes] = mapped_column(LargeBinary)
    #: Rows that can be imported, as the preview showed them.
    good_rows: Mapped[int]
    #: Problems found in the rows, as the preview showed them.
    row_errors: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: After this moment the upload is discarded unconfirmed.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
