"""Tabs of the organiser's event pages; each area adds its own with event_tab()."""
from dataclasses import dataclass

from flask import Flask
from flask_babel import lazy_gettext


@dataclass(frozen=True)
class EventTab:
    label: object
    endpoint: str
    order: int
    #: Shown to the team's readers too (its page is an `event_view(readers=True)`).
    readers: bool = False


EVENT_TABS: list[EventTab] = []


def event_tab(label: str, endpoint: str, order: int, readers: bool = False) -> None:
    """Register a tab shown on every organiser page of an event (call at import time); `readers`: to the event
    team's readers as well as to its managers."""
    EVENT_TABS.append(EventTab(lazy_gettext(label), endpoint, order, readers))
    EVENT_TABS.sort(key=lambda tab: tab.order)


def register(app: Flask) -> None:
    @app.context_processor
    def _event_tabs():
        return {"event_tabs": EVENT_TABS}
