"""Stored naive UTC <-> display-zone wall-clock time, across the UK's clock changes (2026: BST
from 01:00 UTC on 29 March to 01:00 UTC on 25 October)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hexqi import timefmt
from hexqi.timefmt import combine_local, format_date, format_datetime, from_local, to_local

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(("typed", "stored"), [
    (datetime(2026, 3, 28, 14, 0), datetime(2026, 3, 28, 14, 0)),   # Saturday, GMT
    (datetime(2026, 3, 29, 14, 0), datetime(2026, 3, 29, 13, 0)),   # Sunday, BST
    (datetime(2026, 7, 15, 14, 0), datetime(2026, 7, 15, 13, 0)),   # summer
    (datetime(2026, 10, 24, 14, 0), datetime(2026, 10, 24, 13, 0)),  # Saturday, BST
    (datetime(2026, 10, 25, 14, 0), datetime(2026, 10, 25, 14, 0)),  # Sunday, GMT again
    (datetime(2026, 7, 15, 0, 30), datetime(2026, 7, 14, 23, 30)),   # the UTC day before
])
def test_typed_uk_time_is_stored_as_utc(typed: datetime, stored: datetime) -> None:
    assert from_local(typed) == stored
    assert from_local(typed).tzinfo is None
    assert to_local(stored).replace(tzinfo=None) == typed


def test_the_spring_change_happens_at_one_in_the_morning_utc() -> None:
    assert to_local(datetime(2026, 3, 29, 0, 59)).strftime("%H:%M %Z") == "00:59 GMT"
    assert to_local(datetime(2026, 3, 29, 1, 0)).strftime("%H:%M %Z") == "02:00 BST"


def test_the_autumn_change_happens_at_one_in_the_morning_utc() -> None:
    assert to_local(datetime(2026, 10, 25, 0, 59)).strftime("%H:%M %Z") == "01:59 BST"
    assert to_local(datetime(2026, 10, 25, 1, 0)).strftime("%H:%M %Z") == "01:00 GMT"


def test_a_time_the_clocks_skip_or_repeat_is_read_one_plain_way() -> None:
    # 01:30 never happens on 29 March: read with the offset before the change (GMT).
    assert from_local(datetime(2026, 3, 29, 1, 30)) == datetime(2026, 3, 29, 1, 30)
    # 01:30 happens twice on 25 October: read as the first (BST).
    assert from_local(datetime(2026, 10, 25, 1, 30)) == datetime(2026, 10, 25, 0, 30)


def test_every_stored_minute_round_trips_through_local_time_across_both_changes() -> None:
    for start in (datetime(2026, 3, 28, 12), datetime(2026, 10, 24, 12)):
        moment = start
        while moment < start + timedelta(days=2):
            local = to_local(moment)
            wall = local.replace(tzinfo=None, fold=0)
            if local.fold:  # the second pass through the repeated autumn hour
                assert from_local(wall) == moment - timedelta(hours=1)
            else:
                assert from_local(wall) == moment
            moment += timedelta(minutes=15)


def test_aware_times_and_other_zones() -> None:
    new_york = ZoneInfo("America/New_York")
    assert from_local(datetime(2026, 7, 15, 14, 0), new_york) == datetime(2026, 7, 15, 18, 0)
    aware = datetime(2026, 7, 15, 14, 0, tzinfo=LONDON)
    assert from_local(aware) == datetime(2026, 7, 15, 13, 0)
    assert to_local(datetime(2026, 7, 15, 13, 0), new_york).hour == 9
    assert combine_local(date(2026, 7, 15), time(14, 0)) == datetime(2026, 7, 15, 13, 0)


def test_filters_show_display_zone_text() -> None:
    stored = datetime(2026, 7, 14, 23, 30)  # 00:30 on the 15th in London
    assert format_datetime(stored) == "Wed 15 Jul 2026, 00:30"
    assert format_datetime(stored, "%H:%M") == "00:30"
    assert format_date(stored) == "15 Jul 2026"
    assert timefmt.format_time(stored) == "00:30"
    assert format_date(date(2026, 7, 14)) == "14 Jul 2026"  # a plain date is not shifted
    assert format_datetime(None) == format_date(None) == timefmt.format_time(None) == ""


def test_today_and_this_month_turn_over_at_uk_midnight_in_summer() -> None:
    # 23:30 UTC on 31 July 2026 is 00:30 BST on 1 August: a new day and a new month in the UK.
    late = datetime(2026, 7, 31, 23, 30)
    assert timefmt.local_today(late) == date(2026, 8, 1)
    assert timefmt.local_month_start(late) == datetime(2026, 7, 31, 23, 0)  # 1 Aug 00:00 BST
    # an hour earlier it is still 31 July in the UK, and July began at 23:00 UTC on 30 June
    earlier = datetime(2026, 7, 31, 22, 30)
    assert timefmt.local_today(earlier) == date(2026, 7, 31)
    assert timefmt.local_month_start(earlier) == datetime(2026, 6, 30, 23, 0)
    # a transfer stored at 23:15 UTC on 31 July counts in August's hours, not July's
    assert datetime(2026, 7, 31, 23, 15) >= timefmt.local_month_start(late)


def test_today_and_this_month_in_winter_are_utc_days() -> None:
    late = datetime(2026, 1, 31, 23, 30)  # GMT: still 31 January
    assert timefmt.local_today(late) == date(2026, 1, 31)
    assert timefmt.local_month_start(late) == datetime(2026, 1, 1, 0, 0)
    # November began after the clocks went back; October began in BST
    assert timefmt.local_month_start(date(2026, 11, 20)) == datetime(2026, 11, 1, 0, 0)
    assert timefmt.local_month_start(date(2026, 10, 20)) == datetime(2026, 9, 30, 23, 0)


def test_today_and_this_month_default_to_now() -> None:
    now = datetime.now(LONDON)
    assert timefmt.local_today() in {now.date(), (now + timedelta(minutes=1)).date()}
    start = timefmt.local_month_start()
    assert start.tzinfo is None and start <= datetime.now(ZoneInfo("UTC")).replace(tzinfo=None)
    assert to_local(start).day == 1 and to_local(start).strftime("%H:%M") == "00:00"
