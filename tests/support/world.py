"""One small world with a row behind every kind of URL parameter, for tests that walk the whole URL map."""
from dataclasses import dataclass, field
from datetime import timedelta

from tracker.checkin.devices import create_door, start_pairing
from tracker.checkin.models import CheckIn
from tracker.checkin.staff import assign_staff
from tracker.database import utcnow
from tracker.extensions import db
from tracker.invitees.links import personal_token
from tracker.invitees.models import PendingImport
from tracker.mail.models import InvitationBatch, OutboxMail
from tracker.registration.services import Choice, answer

from ..factories import join_team, make_event, make_group, make_invitee, make_user


@dataclass
class World:
    values: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    other_event_id: int = 0
    other_door_id: int = 0


def build_world(app) -> World:
    """Event A (group, invitee with a ticket and a check-in, door, device, import, batch, mail) and event B.

    Accounts: door staff assigned to A; "organiser" manages A, "reader" reads A, "other organiser" manages B; an
    administrator."""
    with app.test_request_context():
        users = {role: make_user(role) for role in ("door", "organiser", "admin")}
        users["reader"], users["other organiser"] = make_user("organiser"), make_user("organiser")
        event = make_event("Infotag A", starts_in=timedelta(hours=-1), public_stream=True, self_registration=True,
                           team=[users["organiser"]])
        join_team(event, users["reader"], "reader")
        other = make_event("Infotag B", starts_in=timedelta(hours=-1), team=[users["other organiser"]])
        group = make_group(event, "Stadtrat", reserved_seats=2)
        invitee = make_invitee(event, name="Anna Gast", email="anna.gast@muenchen.example", group=group)
        answer(invitee.id, Choice.HALL)
        door = create_door(event, "Eingang Nord")
        other_door = create_door(other, "Eingang Süd")
        device, _code = start_pairing(door, "Tablet")
        _pending, pairing_code = start_pairing(door, "Handy")
        assign_staff(event, users["door"])
        checkin = CheckIn(event_id=event.id, registration_id=invitee.registration.id, door_id=door.id)
        pending = PendingImport(
            event_id=event.id, user_id=users["organiser"].id, filename="liste.csv", data=b"name;email\n",
            good_rows=0, row_errors=0, expires_at=utcnow() + timedelta(hours=1),
        )
        batch = InvitationBatch(event_id=event.id, kind="invitation", scope="all", submission_key="k" * 32)
        db.session.add_all([checkin, pending, batch])
        db.session.flush()
        mail = db.session.execute(db.select(OutboxMail)).scalars().first()
        values = {
            "event_id": event.id, "group_id": group.id, "invitee_id": invitee.id, "door_id": door.id,
            "device_id": device.id, "checkin_id": checkin.id, "user_id": users["door"].id,
            "member_id": users["organiser"].id,
            "pending_id": pending.id, "batch_id": batch.id, "mail_id": mail.id, "code": pairing_code,
            "token": personal_token(invitee), "public_token": event.public_token, "signed": "not-signed",
            "filename": "css/app.css", "file_format": "csv",
        }
        db.session.commit()
        return World(values=values, users=users, other_event_id=other.id, other_door_id=other_door.id)
