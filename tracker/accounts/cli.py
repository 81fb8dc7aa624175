import click
from flask.cli import AppGroup

from ..extensions import db
from .models import Role
from .services import AccountError, create_user

users_cli = AppGroup("users", help="Manage organiser, administrator and door-staff accounts.")


@users_cli.command("create")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ORGANISER.value, show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_command(email: str, name: str, role: str, password: str) -> None:
    """Create an account (the first organiser, for instance)."""
    try:
        create_user(email, name, password, role)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {role} account {email}.")
