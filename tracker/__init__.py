"""Event registration and attendance tracker for the city's info days."""
import logging
from pathlib import Path

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from . import operations, security, web
from .extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
TEMPLATES_DIR = str(Path(__file__).parent.parent / "templates")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py and TRACKER_* variables (or test_config)."""
    app = Flask(__name__, instance_relative_config=True, template_folder=TEMPLATES_DIR)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(config_module.settings_from_env())
    else:
        app.config.update(test_config)
    config_module.finalize(app.config, app.instance_path)

    operations.init_app(app)  # first, so the request log times everything, limits included
    security.init_app(app)
    web.init_app(app)  # before the blueprints: their routes use its converter
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    logging.getLogger("tracker").setLevel(logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    from . import i18n, limits, models  # noqa: F401  (models: every table known to Alembic)
    from .database import configure_sqlite

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    limits.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from . import errors, i18n, navigation
    from .accounts.admin import bp as admin_bp
    from .accounts.views import bp as accounts_bp
    from .audit.views import bp as audit_bp
    from .checkin import api, door_pages, views  # noqa: F401  (their routes are on checkin.bp)
    from .checkin import bp as checkin_bp
    from .dashboard.views import bp as dashboard_bp
    from .events import team_views  # noqa: F401  (the Team tab's routes are on events.bp)
    from .events.views import bp as events_bp
    from .invitations.views import bp as invitations_bp
    from .invitees.views import bp as invitees_bp
    from .privacy.views import bp as privacy_bp
    from .registration.views import bp as registration_bp
    from .stream.views import bp as stream_bp

    for blueprint in (
        i18n.bp,
        operations.bp,
        accounts_bp,
        admin_bp,
        audit_bp,
        events_bp,
        invitees_bp,
        invitations_bp,
        registration_bp,
        checkin_bp,
        stream_bp,
        dashboard_bp,
        privacy_bp,
    ):
        app.register_blueprint(blueprint)
    errors.register(app)
    navigation.register(app)


def _register_cli(app: Flask) -> None:
    from .accounts.cli import users_cli
    from .demo.cli import demo_cli
    from .mail.cli import mail_cli
    from .privacy.cli import privacy_cli
    from .stream.cli import stream_cli

    for group in (users_cli, demo_cli, mail_cli, stream_cli, privacy_cli):
        app.cli.add_command(group)
