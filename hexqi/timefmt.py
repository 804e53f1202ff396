"""Times in one place: the database stores naive UTC; people type and read wall-clock time in the
display zone (config ``DISPLAY_TIMEZONE``, default Europe/London, so BST in summer).

``to_local`` turns a stored time into the display zone, ``from_local`` turns a typed wall-clock
time into what the database stores, and the Jinja filters ``|datetime``, ``|date`` and ``|time``
show stored times in templates. "Today" and "this month" are the display zone's too:
``local_today()`` and ``local_month_start()`` (naive UTC, for queries). Outside an app context
the default zone is used.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

DEFAULT_ZONE = "Europe/London"
DATETIME_FORMAT = "%a %d %b %Y, %H:%M"
DATE_FORMAT = "%d %b %Y"
TIME_FORMAT = "%H:%M"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def display_zone() -> tzinfo:
    name = DEFAULT_ZONE
    if has_app_context():
        name = current_app.config.get("DISPLAY_TIMEZONE") or DEFAULT_ZONE
    return _zone(name)


def to_local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """A stored time (naive UTC, or aware) as an aware time in the display zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone or display_zone())


def from_local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """A typed wall-clock time in the display zone as naive UTC, the way the database stores it.

    A time the clocks skip (01:30 on the spring-forward Sunday) is read with the offset before
    the change; a time that happens twice (01:30 on the autumn Sunday) is read as the first.
    An aware time is simply converted.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or display_zone())
    return moment.astimezone(UTC).replace(tzinfo=None)


def combine_local(day: date, at: time, zone: tzinfo | None = None) -> datetime:
    """A typed date and time (display zone) as naive UTC."""
    return from_local(datetime.combine(day, at), zone)


def _now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_today(now: datetime | None = None) -> date:
    """Today's date in the display zone (at 23:30 UTC on 31 July it is already 1 August in
    London). ``now`` is a stored time (naive UTC); the default is the current time."""
    return to_local(now or _now_utc()).date()


def local_month_start(when: date | None = None) -> datetime:
    """The first instant of a display-zone calendar month, as naive UTC, to compare with stored
    times (``Transfer.created_at >= local_month_start()``). ``when`` is a stored time (naive
    UTC), or a display-zone date; the default is now, so this month."""
    day = local_today(when) if isinstance(when, datetime) else (when or local_today())
    return combine_local(day.replace(day=1), time.min)


def format_datetime(moment: datetime | None, fmt: str = DATETIME_FORMAT) -> str:
    """``|datetime``: a stored time as display-zone wall-clock text ("" for None)."""
    return to_local(moment).strftime(fmt) if moment is not None else ""


def format_date(moment: datetime | date | None, fmt: str = DATE_FORMAT) -> str:
    """``|date``: the display-zone day of a stored time; a plain date is shown as it is."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = to_local(moment)
    return moment.strftime(fmt)


def format_time(moment: datetime | None, fmt: str = TIME_FORMAT) -> str:
    """``|time``: the display-zone clock time of a stored time."""
    return to_local(moment).strftime(fmt) if moment is not None else ""


def register(app: Flask) -> None:
    """Check the configured zone at start-up and add the template filters."""
    name = app.config.get("DISPLAY_TIMEZONE") or DEFAULT_ZONE
    try:
        _zone(name)
    except (ValueError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise RuntimeError(f"DISPLAY_TIMEZONE {name!r} is not a known time zone") from exc
    except KeyError as exc:
        raise RuntimeError(f"DISPLAY_TIMEZONE {name!r} is not a known time zone "
                           "(is the tzdata package installed?)") from exc
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_time, "time")
