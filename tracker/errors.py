"""Friendly error pages in the user's language, JSON for the APIs; never a stack trace."""
import logging

from flask import Flask, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("tracker.errors")


def _messages() -> dict[int, str]:
    return {
        400: gettext("The request could not be understood."),
        403: gettext("You are not allowed to open this page."),
        404: gettext("This page does not exist. Please check the address."),
        405: gettext("This action is not possible here."),
        413: gettext("The file is too large."),
        429: gettext("Too many requests. Please wait a moment and try again."),
        500: gettext("Something went wrong on our side. Please try again later."),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, message: str | None = None):
    message = message or _messages().get(code) or _messages()[500]
    if wants_json():
        return {"error": message, "status": code}, code
    return render_template("error.html", code=code, message=message), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, gettext("The form has expired. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if isinstance(error, InternalServerError):
            return _internal(error)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _internal(error):
        log.exception("unhandled error on %s %s", request.method, request.endpoint or "an unmatched address")
        from .extensions import db

        db.session.rollback()
        return render_error(500)
