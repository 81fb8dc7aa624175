"""Tabs of the organiser's event pages; each area adds its own with event_tab()."""
from dataclasses import dataclass

from flask import Flask
from flask_babel import lazy_gettext


@dataclass(frozen=True)
class EventTab:
    label: object
    endpoint: str
    order: int


EVENT_TABS: list[EventTab] = []


def event_tab(label: str, endpoint: str, order: int) -> None:
    """Register a tab shown on every organiser page of an event (call at import time)."""
    EVENT_TABS.append(EventTab(lazy_gettext(label), endpoint, order))
    EVENT_TABS.sort(key=lambda tab: tab.order)


def register(app: Flask) -> None:
    @app.context_processor
    def _event_tabs():
        return {"event_tabs": EVENT_TABS}
