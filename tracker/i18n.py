"""Language choice (German by default, English available) and the language switch."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, request, session
from flask_login import current_user

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Session choice, then the page's own language (e.g. an invitee's), then the account's, else German."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    page_language = getattr(g, "page_language", None)
    if page_language in languages:
        return page_language
    # Only a signed-in session has an account to ask; device and guest requests need not load one.
    if "_user_id" in session and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def safe_next(target: str | None, fallback: str = "/") -> str:
    """A local path to go back to, never another site."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.get("/lang/<code>")
def switch_language(code: str):
    """Remember the chosen language for this browser session and go back."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    response = redirect(safe_next(request.args.get("next")))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
