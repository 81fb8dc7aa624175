"""Configuration: defaults, then instance/config.py, then TRACKER_* environment variables."""
import os
import secrets
from pathlib import Path

ENV_PREFIX = "TRACKER_"

#: Settings that may come from the environment, with the type to parse them as.
ENV_SETTINGS: dict[str, type] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_SENDER": str,
    "MAIL_POLL_INTERVAL": int,
    "MAIL_BATCH_SIZE": int,
    "MAIL_CONNECTIONS": int,
    "MAIL_MAX_ATTEMPTS": int,
    "MAIL_RETRY_BASE_SECONDS": int,
    "MAIL_RETRY_MAX_SECONDS": int,
    "MAIL_SENDING_TIMEOUT": int,
    "MAIL_SMTP_TIMEOUT": int,
    "MAIL_INVITATION_CHUNK": int,
    "BASE_URL": str,
    "PRIVACY_RETENTION_DAYS": int,
    "STREAM_RETENTION_DAYS": int,
    "PROXY_FIX": bool,
    "SESSION_COOKIE_SECURE": bool,
    "RATELIMIT_ENABLED": bool,
    "SESSION_ABSOLUTE_LIFETIME": int,
    "PRIVACY_CONTACT": str,
    "OFFICE_NAME": str,
    "OFFICE_ADDRESS": str,
    "OFFICE_CONTACT": str,
    "MAIL_REPLY_TO": str,
    "ACCESSIBILITY_CONTACT": str,
    "ACCESSIBILITY_ENFORCEMENT_BODY": str,
    "ACCESSIBILITY_ENFORCEMENT_URL": str,
    "LOG_FORMAT": str,
}

#: hide_parameters: an error's message and traceback never show the values of a statement (addresses, tokens).
#: pool_pre_ping: a pooled connection is tested before a request uses it, and replaced if the server dropped it.
ENGINE_OPTIONS = {"hide_parameters": True, "pool_pre_ping": True}

DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "BABEL_DEFAULT_LOCALE": "de",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
    "LANGUAGES": ("de", "en"),
    "EVENT_TIMEZONE": "Europe/Berlin",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "Infotag <infotag@localhost>",
    # The mail sender: seconds between polls of the outbox (--loop), mails claimed per SMTP connection,
    # and SMTP connections one sender delivers over at once (each in its own thread).
    "MAIL_POLL_INTERVAL": 5,
    "MAIL_BATCH_SIZE": 50,
    "MAIL_CONNECTIONS": 4,
    # Retries: the n-th failure waits BASE * 2**(n-1) seconds (at most MAX, plus up to 25 % jitter);
    # after MAX_ATTEMPTS failures the mail is given up as failed.
    "MAIL_MAX_ATTEMPTS": 8,
    "MAIL_RETRY_BASE_SECONDS": 60,
    "MAIL_RETRY_MAX_SECONDS": 6 * 3600,
    # A mail still "sending" after this many seconds lost its sender: organisers see it as uncertain.
    "MAIL_SENDING_TIMEOUT": 900,
    "MAIL_SMTP_TIMEOUT": 30,
    # Invitees handled per step while an invitation or reminder batch is queued.
    "MAIL_INVITATION_CHUNK": 200,
    "BASE_URL": "http://127.0.0.1:5000",
    "REDIS_URL": None,
    "PRIVACY_RETENTION_DAYS": 90,
    "STREAM_RETENTION_DAYS": 30,
    "PROXY_FIX": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "RATELIMIT_ENABLED": True,
    # Limit texts (see tracker.limits); tune them in instance/config.py.
    "RATELIMIT_LOGIN": "10 per minute",
    "RATELIMIT_LOGIN_FAILURES": "5 per 15 minutes",
    "RATELIMIT_PERSONAL_LINK": "60 per minute",
    "RATELIMIT_UNKNOWN_LINK": "20 per minute;200 per day",
    "RATELIMIT_SELF_REGISTRATION": "5 per hour",
    "RATELIMIT_SELF_REGISTRATION_PER_ADDRESS": "200 per hour",
    "RATELIMIT_CHECKIN": "600 per minute",
    "RATELIMIT_HEARTBEAT": "20 per minute",
    "RATELIMIT_HEADERS_ENABLED": False,  # see tracker.limits
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "tracker",
    # A login ends after this many seconds however active it is (the idle limit is PERMANENT_SESSION_LIFETIME).
    "SESSION_ABSOLUTE_LIFETIME": 12 * 3600,
    # Structured request log: "json" (one line per request) or "off".
    "LOG_FORMAT": "json",
    # Privacy notice: who to contact (shown on the notice); PRIVACY_NOTICE_DE/EN replace the default text.
    "PRIVACY_CONTACT": "Datenschutzbeauftragte*r der Stadtverwaltung",
    "PAGE_SIZE": 50,
    # Who runs the info days: named as sender in every mail, as issuer of the report and the certificates.
    "OFFICE_NAME": "Stadtverwaltung, IT-Referat",
    "OFFICE_ADDRESS": "Rathaus, Marienplatz 8, 80331 München",
    "OFFICE_CONTACT": "infotag@localhost",
    # Replies to a mail go here (empty: the address of MAIL_SENDER).
    "MAIL_REPLY_TO": "",
    # Accessibility statement (BITV 2.0): where to report barriers, and the enforcement body to turn to.
    "ACCESSIBILITY_CONTACT": "barrierefreiheit@localhost",
    "ACCESSIBILITY_ENFORCEMENT_BODY": "Landesamt für Digitalisierung, Breitband und Vermessung – Durchsetzungs- und Überwachungsstelle für barrierefreie Informationstechnik",
    "ACCESSIBILITY_ENFORCEMENT_URL": "https://www.ldbv.bayern.de/digitalisierung/bitv.html",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; start-up stops with this message."""


def parse_env_value(name: str, raw: str, kind: type):
    """Turn one environment string into the setting's type, or raise ConfigError."""
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{ENV_PREFIX}{name} must be true or false, not {raw!r}.")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{name} must be a whole number, not {raw!r}.") from None
    return raw


def settings_from_env(environ=os.environ) -> dict:
    """All TRACKER_* settings present in the environment, parsed."""
    found = {}
    for name, kind in ENV_SETTINGS.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is not None:
            found[name] = parse_env_value(name, raw, kind)
    return found


def instance_secret_key(instance_path: str) -> str:
    """The random secret kept in instance/secret_key, made on first start."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def finalize(config, instance_path: str) -> None:
    """Fill derived settings and refuse a configuration that cannot work."""
    if config.get("DATABASE_URL") and not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    uri = config.setdefault(
        "SQLALCHEMY_DATABASE_URI", "sqlite:///" + str(Path(instance_path) / "tracker.sqlite")
    )
    if uri.startswith("postgres://"):
        uri = config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgres://"):]
    elif uri.startswith("postgresql://"):
        uri = config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgresql://"):]
    if not uri.startswith(("sqlite:", "postgresql+psycopg:")):
        raise ConfigError(f"Unsupported database URL {uri.split(':', 1)[0]!r}: use sqlite:/// or postgresql://.")
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {**ENGINE_OPTIONS, **config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    if len(config["SECRET_KEY"]) < 16:
        raise ConfigError("TRACKER_SECRET_KEY is too short: use at least 32 random characters.")
    for name in ("MAIL_POLL_INTERVAL", "MAIL_BATCH_SIZE", "MAIL_CONNECTIONS", "MAIL_MAX_ATTEMPTS", "MAIL_SMTP_TIMEOUT", "MAIL_INVITATION_CHUNK"):
        if config[name] < 1:
            raise ConfigError(f"{ENV_PREFIX}{name} must be at least 1.")
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        raise ConfigError("Choose either TRACKER_MAIL_USE_TLS or TRACKER_MAIL_USE_SSL, not both.")
    if config.get("REDIS_URL"):
        config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"])
    config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    config["BASE_URL"] = config["BASE_URL"].rstrip("/")
