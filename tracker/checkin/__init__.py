"""Door check-in. Its one blueprint: the organiser's tab (views), the door's pages (door_pages), the JSON API (api)."""
from flask import Blueprint

bp = Blueprint("checkin", __name__)
