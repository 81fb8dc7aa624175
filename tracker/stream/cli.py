import click
from flask.cli import AppGroup

from ..database import utcnow
from ..extensions import db
from .presence import presence_store
from .services import purge_expired_minutes, retention_days

stream_cli = AppGroup("stream", help="Livestream presence: flush queued minutes, delete them after retention.")


@stream_cli.command("flush")
def flush_command() -> None:
    """Write the viewer minutes queued in Redis to the database (heartbeats do this every minute too)."""
    click.echo(f"Wrote {presence_store().flush()} queued viewer minutes.")


@stream_cli.command("purge")
def purge_command() -> None:
    """Delete per-viewer minutes (and their running totals) of events ended more than STREAM_RETENTION_DAYS ago;
    keep their figures."""
    purged = purge_expired_minutes(utcnow())
    db.session.commit()
    days = retention_days()
    if purged:
        click.echo(f"Deleted the viewer minutes of {len(purged)} event(s) ended more than {days} days ago: "
                   + ", ".join(str(event_id) for event_id in purged) + ". Their figures are kept.")
    else:
        click.echo(f"No event ended more than {days} days ago still has viewer minutes.")
