import click
from flask.cli import AppGroup

from ..database import utcnow
from ..extensions import db
from .services import due_for_purge, purge_event, retention_days

privacy_cli = AppGroup("privacy", help="Data protection: delete personal data after the retention period.")


@privacy_cli.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=None, help="Retention in days (default: PRIVACY_RETENTION_DAYS).")
def purge_command(days: int | None) -> None:
    """Delete the personal data of events that ended more than N days ago; keep their anonymous totals."""
    days = retention_days() if days is None else days
    now = utcnow()
    event_ids = [event.id for event in due_for_purge(now, days)]
    for event_id in event_ids:
        deleted = purge_event(event_id, now)
        db.session.commit()
        click.echo(f"Event {event_id}: personal data deleted ({', '.join(f'{k} {v}' for k, v in deleted.items())}).")
    click.echo(f"{len(event_ids)} event(s) purged; retention {days} days.")
