import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from ..invitees.models import Invitee
from .services import DEMO_ACCOUNTS, database_is_empty, demo_accounts_exist, load_demo

demo_cli = AppGroup("demo", help="Demo data for trying the tracker out.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only load into a fresh database (no events, no accounts).")
def load_command(if_empty: bool) -> None:
    """Load the demo event, its invitees and the demo logins, then print the logins."""
    if if_empty and not database_is_empty():
        click.echo("Demo data not loaded: the database already holds events or accounts.")
    elif demo_accounts_exist():
        raise click.ClickException("The demo data is loaded already.")
    else:
        events = load_demo()
        db.session.commit()
        for event in events:
            count = db.session.execute(select(func.count()).where(Invitee.event_id == event.id)).scalar_one()
            click.echo(f"Demo event loaded: {event.title} ({len(event.groups)} groups, {count} invitees).")
    if demo_accounts_exist():
        click.echo(f"Demo logins at {current_app.config['BASE_URL']}/login (for trying out only):")
        for account in DEMO_ACCOUNTS:
            click.echo(f"  {account.role:<10} {account.email}  password: {account.password}")
