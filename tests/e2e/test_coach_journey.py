"""The featured demo coach, in a real browser: profile and availability, a proposal, a session
the team logged, and a calendar invite."""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import login, nav, snapshot

pytestmark = pytest.mark.e2e

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
SLOTS = [f"{day} {half}" for day in DAYS for half in ("morning", "afternoon")]
LEVELS = ("1 – some experience", "2 – practised", "3 – expert, teaches it")


def stat(page, label: str) -> float:  # type: ignore[no-untyped-def]
    """The hours shown in the dashboard figure whose label starts with ``label``."""
    box = page.locator(".stat").filter(has=page.get_by_text(label))
    text = box.locator(".stat-value").inner_text()
    return float(re.fullmatch(r"(-?[\d.]+) h", text.strip()).group(1))  # type: ignore[union-attr]


def test_coach_journey(live_server, page) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server.url, live_server.email("Coach"), live_server.password)
    snapshot(page, "coach-01-home")

    # --- profile: the half-day grid and a skill level ---------------------------------------
    nav(page, "My coaching")
    expect(page.get_by_role("heading", level=1)).to_have_text("My coaching")
    snapshot(page, "coach-02-dashboard")
    page.get_by_role("link", name="My profile and availability").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My coaching profile")
    snapshot(page, "coach-03-profile")

    grid = page.get_by_role("table", name="Weekly availability")
    boxes = {name: grid.get_by_role("checkbox", name=name, exact=True) for name in SLOTS}
    ticked = [name for name, box in boxes.items() if box.is_checked()]
    unticked = [name for name in SLOTS if name not in ticked]
    assert ticked and unticked, "the demo coach should have some half-days free, not all"
    boxes[ticked[0]].uncheck()
    boxes[unticked[0]].check()
    expected = (set(ticked) - {ticked[0]}) | {unticked[0]}

    skills = page.get_by_role("group", name="Skills you can coach, and your level")
    offered = None
    for select in skills.get_by_role("combobox").all():
        if select.input_value():
            offered = select
            break
    assert offered is not None, "the demo coach offers at least one skill"
    skill_label = offered.evaluate("el => el.labels[0].textContent")
    skill_name = skill_label.replace("(optional)", "").strip()
    old_level = int(offered.input_value())
    new_level = 2 if old_level != 2 else 3
    offered.select_option(label=LEVELS[new_level - 1])

    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Your profile is saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("My coaching profile")
    grid = page.get_by_role("table", name="Weekly availability")
    now_ticked = {name for name in SLOTS
                  if grid.get_by_role("checkbox", name=name, exact=True).is_checked()}
    assert now_ticked == expected
    level = page.get_by_role("combobox", name=re.compile("^" + re.escape(skill_name)))
    expect(level).to_have_value(str(new_level))
    snapshot(page, "coach-04-profile-saved")

    # --- a proposal: read why, accept it -----------------------------------------------------
    page.get_by_role("link", name="‹ My coaching").click()
    proposals = page.get_by_role("region", name="Proposed to you")
    card = proposals.get_by_role("article").first
    expect(card).to_be_visible()
    waiting = proposals.get_by_role("article").count()
    team_and_org = card.locator("dt", has_text="Team").locator(
        "xpath=following-sibling::dd[1]").inner_text().strip()  # "Team name, Organisation"
    reasons = card.locator("ul.reasons li")
    assert reasons.count() >= 1, "a published proposal shows the matcher's reasons"
    assert any("skills" in r or "cross-organisation" in r for r in reasons.all_inner_texts())
    accept = card.get_by_role("button", name=re.compile(r"^Accept "))
    team = accept.inner_text().removeprefix("Accept ").strip()
    project = card.get_by_role("heading", level=3).inner_text()
    accept.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Coaching {team}")
    expect(page.get_by_role("status").filter(has_text=f"You accepted {team}")).to_be_visible()
    snapshot(page, "coach-05-match-accepted")

    # arrange the first session and take its calendar invite
    day = date.today() + timedelta(days=8)
    schedule = page.get_by_role("region", name="Schedule a session")
    schedule.get_by_role("button", name="Schedule session").click()  # nothing filled in yet
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()  # the error summary takes focus on every page
    expect(summary.get_by_role("link").first).to_have_text(re.compile(r"^Date: "))
    schedule.get_by_label("Date").fill(day.isoformat())
    schedule.get_by_label("Start time (UK time)").fill("14:30")
    schedule.get_by_label("Length in minutes").fill("90")
    schedule.get_by_role("button", name="Schedule session").click()
    expect(page.get_by_role("status").filter(has_text="Session scheduled")).to_be_visible()
    snapshot(page, "coach-06-session-scheduled")
    invite = page.get_by_role("region", name="Sessions").get_by_role(
        "link", name=re.compile(r"^Add to calendar \(\.ics\)")).first
    with page.expect_download() as info:
        invite.click()
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    body = download.path().read_bytes()
    assert b"BEGIN:VCALENDAR" in body and b"DTSTART" in body
    calendar = icalendar.Calendar.from_ical(body)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    event = events[0]
    start = event.decoded("DTSTART").astimezone(ZoneInfo("Europe/London"))
    assert (start.date(), start.strftime("%H:%M")) == (day, "14:30")  # the UK time typed
    length = (event.decoded("DTEND") - event.decoded("DTSTART") if "DTEND" in event
              else event.decoded("DURATION"))
    assert length == timedelta(minutes=90)

    # the accepted team is now among the teams being coached
    page.get_by_role("link", name="‹ My coaching").click()
    coaching = page.get_by_role("region", name="Teams you are coaching")
    row = coaching.get_by_role("listitem").filter(has_text=f"{team_and_org}: {project}")
    expect(row.filter(has_text="Active")).to_have_count(1)
    expect(proposals.get_by_role("article")).to_have_count(waiting - 1)
    snapshot(page, "coach-07-dashboard-after-accepting")

    # --- confirm a session the team logged ---------------------------------------------------
    balance_before = stat(page, "your balance")
    to_confirm = page.get_by_role("region", name="Sessions to confirm")
    session = to_confirm.get_by_role("listitem").first
    expect(session).to_be_visible()
    minutes = int(re.search(r"(\d+) min", session.inner_text()).group(1))  # type: ignore[union-attr]
    session.get_by_role("button", name=re.compile(r"^Confirm [\d.]+ h")).click()
    expect(page.get_by_role("status").filter(has_text="Hours confirmed")).to_be_visible()
    balance_after = stat(page, "your balance")
    assert balance_after == pytest.approx(balance_before + minutes / 60, abs=0.1)
    assert balance_after > balance_before
    snapshot(page, "coach-08-session-confirmed")
