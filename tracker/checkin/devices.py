"""Doors and the devices paired to them: pairing codes, the device credentials kept in a cookie, last seen."""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import limits
from ..audit.services import record
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from .models import Door, DoorDevice, ScanAttempt

PAIRING_LIFETIME = timedelta(minutes=15)
#: Cookie that holds a paired device's credential (its SHA-256 is DoorDevice.credential_hash).
CREDENTIAL_COOKIE = limits.DOOR_CREDENTIAL_COOKIE
CREDENTIAL_MAX_AGE = 3 * 24 * 3600


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create_door(event: Event, name: str) -> Door:
    door = Door(event_id=event.id, name=name.strip())
    db.session.add(door)
    db.session.flush()
    record("checkin.door_created", event_id=event.id, door_id=door.id)
    return door


def doors_of(event_ids: list[int]) -> dict[int, list[Door]]:
    doors: dict[int, list[Door]] = {event_id: [] for event_id in event_ids}
    for door in db.session.execute(
        select(Door).where(Door.event_id.in_(event_ids)).order_by(Door.name)
    ).scalars():
        doors[door.event_id].append(door)
    return doors


def devices_of(doors: list[Door]) -> dict[int, list[DoorDevice]]:
    """The devices of each door, oldest first, revoked ones included."""
    return {
        door.id: db.session.execute(
            select(DoorDevice).where(DoorDevice.door_id == door.id).order_by(DoorDevice.created_at)
        ).scalars().all()
        for door in doors
    }


def start_pairing(door: Door, label: str) -> tuple[DoorDevice, str]:
    """A new device slot with a one-time pairing code (returned once, stored only as its hash)."""
    code = secrets.token_urlsafe(24)
    device = DoorDevice(
        door=door, label=label.strip(), pairing_hash=sha256(code), pairing_expires_at=utcnow() + PAIRING_LIFETIME
    )
    db.session.add(device)
    db.session.flush()
    record("checkin.pairing_started", event_id=door.event_id, door_id=door.id, device_id=device.id)
    return device, code


def pairing_device(code: str) -> DoorDevice | None:
    """The device waiting to be paired with this code, if the code is valid now."""
    device = db.session.execute(
        select(DoorDevice).where(DoorDevice.pairing_hash == sha256(code)).options(joinedload(DoorDevice.door))
    ).scalar_one_or_none()
    if device is None or device.revoked_at or device.pairing_expires_at is None or device.pairing_expires_at < utcnow():
        return None
    return device


def complete_pairing(code: str) -> tuple[DoorDevice, str] | None:
    """Use a pairing code once: the device gets a credential for its cookie; None if the code is not valid now."""
    device = pairing_device(code)
    if device is None:
        return None
    credential = secrets.token_urlsafe(32)
    device.pairing_hash = None
    device.pairing_expires_at = None
    device.credential_hash = sha256(credential)
    device.paired_at = device.last_seen_at = utcnow()
    record("checkin.device_paired", event_id=device.door.event_id, actor=device.label, device_id=device.id)
    db.session.flush()
    return device, credential


def revoke_device(device: DoorDevice) -> None:
    if device.revoked_at is not None:
        return
    device.revoked_at = utcnow()
    device.pairing_hash = None
    device.credential_hash = None
    record("checkin.device_revoked", event_id=device.door.event_id, device_id=device.id)


def device_for_credential(credential: str | None) -> DoorDevice | None:
    """The paired, unrevoked device whose cookie this is."""
    if not credential:
        return None
    return db.session.execute(
        select(DoorDevice).where(DoorDevice.credential_hash == sha256(credential), DoorDevice.revoked_at.is_(None))
    ).scalar_one_or_none()


def last_seen(devices: list[DoorDevice]) -> dict[int, datetime | None]:
    """When each device last opened its scanner or scanned (scans are not written to the device row)."""
    scans = dict(
        db.session.execute(
            select(ScanAttempt.device_id, func.max(ScanAttempt.scanned_at))
            .where(ScanAttempt.device_id.in_([device.id for device in devices]))
            .group_by(ScanAttempt.device_id)
        ).all()
    )
    return {
        device.id: max((moment for moment in (device.last_seen_at, scans.get(device.id)) if moment), default=None)
        for device in devices
    }
