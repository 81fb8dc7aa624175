"""Demo data: the seed's two info days with their groups, synthetic invitees and demo accounts."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..accounts.models import Role
from ..accounts.services import find_user
from ..checkin.devices import doors_of
from ..checkin.staff import events_for_door_staff
from ..events.models import Event
from ..extensions import db
from ..invitees.models import Invitee
from ..registration.models import Registration
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from .builders import BERLIN
from .services import DEMO_ACCOUNTS, database_is_empty, demo_accounts_exist, load_demo

demo_cli = AppGroup("demo", help="Demo data for trying the tracker out.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only load into a fresh database (no events, no accounts).")
def load_command(if_empty: bool) -> None:
    """Load the demo events, their invitees and the demo logins, then print the logins."""
    if if_empty and not database_is_empty():
        click.echo("Demo data not loaded: the database already holds events or accounts.")
    elif demo_accounts_exist():
        raise click.ClickException("The demo data is loaded already.")
    else:
        events = load_demo()
        db.session.commit()
        for event in events:
            click.echo(f"Demo event loaded: {_describe(event)}.")
    if demo_accounts_exist():
        click.echo(f"Demo logins at {current_app.config['BASE_URL']}/login (for trying out only):")
        for account in DEMO_ACCOUNTS:
            line = f"  {account.role:<10} {account.email}  password: {account.password}"
            user = find_user(account.email)
            if account.role == Role.DOOR and user is not None:
                line += "  (scans at: " + "; ".join(e.title for e in events_for_door_staff(user)) + ")"
            click.echo(line)


def _describe(event: Event) -> str:
    """e.g. 2. Infotag … on Mon 17 Jan 2028 (4 groups, 327 invitees, 6 answers; doors: …)."""
    invitees, answers = (
        db.session.execute(select(func.count()).where(column == event.id)).scalar_one()
        for column in (Invitee.event_id, Registration.event_id)
    )
    doors = ", ".join(door.name for door in doors_of([event.id])[event.id])
    day = event.starts_at.astimezone(BERLIN).strftime("%a %d %b %Y")
    return f"{event.title} on {day} ({len(event.groups)} groups, {invitees} invitees, {answers} answers; doors: {doors})"
