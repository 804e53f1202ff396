"""The featured demo team member, in a real browser: file a request (with a mistake first),
follow it, and confirm the hours of a session the coach logged."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import login, nav, snapshot

pytestmark = pytest.mark.e2e

TITLE = "Fewer missed smear test recalls"
AIM = "Raise cervical screening uptake from 68% to 75% by June by fixing the recall letters."


def hours_figure(page, label: str) -> float:  # type: ignore[no-untyped-def]
    """A figure from the team's Hours section, e.g. "Coaching received" -> 10.2 (0 when the
    page leaves it out)."""
    section = page.get_by_role("region", name="Hours", exact=True)
    expect(section).to_be_visible()
    term = section.locator("dt", has_text=label)
    if term.count() == 0:
        return 0.0
    text = term.locator("xpath=following-sibling::dd[1]").inner_text().strip()
    return float(re.fullmatch(r"(-?[\d.]+) h", text).group(1))  # type: ignore[union-attr]


def test_team_journey(live_server, page) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server.url, live_server.email("Team member"), live_server.password)
    snapshot(page, "team-01-home")
    nav(page, "My team")
    team = page.get_by_role("heading", level=1).inner_text()
    snapshot(page, "team-02-dashboard")

    # --- file a request: first without any half-day --------------------------------------
    page.get_by_role("link", name="Ask for support").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for QI support")
    snapshot(page, "team-03-new-request")
    page.get_by_label("Project title").fill(TITLE)
    page.get_by_label("Aim: what are you trying to improve").fill(AIM)
    page.get_by_role("radio", name="Testing changes").check()
    page.get_by_role("checkbox", name="PDSA cycles", exact=True).check()
    level = page.get_by_role("combobox", name="Coach's level in PDSA cycles")
    expect(level).to_be_visible()  # shown once the method is ticked
    level.select_option(label="2 – practised")
    page.get_by_label("How many hours of coaching would help?").fill("6")
    page.get_by_role("radio", name="Virtual (video call)").check()
    page.get_by_role("radio", name="In the next month").check()
    page.get_by_role("button", name="Send request").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # static/hexqi.js, on every page
    expect(summary.get_by_role("link")).to_have_text(
        ["When could your team usually meet?: Pick at least one half-day."])
    slots = page.get_by_role("group", name="When could your team usually meet?")
    expect(slots).to_contain_text("Pick at least one half-day.")
    expect(page).to_have_title(re.compile("^Error: "))
    # what was typed is still there
    expect(page.get_by_label("Project title")).to_have_value(TITLE)
    expect(page.get_by_label("Aim: what are you trying to improve")).to_have_value(AIM)
    expect(page.get_by_role("radio", name="Testing changes")).to_be_checked()
    expect(page.get_by_role("checkbox", name="PDSA cycles", exact=True)).to_be_checked()
    expect(page.get_by_role("combobox", name="Coach's level in PDSA cycles")).to_have_value("2")
    expect(page.get_by_label("How many hours of coaching would help?")).to_have_value("6")
    expect(page.get_by_role("radio", name="In the next month")).to_be_checked()
    snapshot(page, "team-04-new-request-error")

    # --- then complete it -----------------------------------------------------------------
    summary.get_by_role("link").click()  # the summary link takes you to the half-day grid
    slots.get_by_role("checkbox", name="Tuesday morning", exact=True).check()
    slots.get_by_role("checkbox", name="Thursday afternoon", exact=True).check()
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("status").filter(has_text="Your request is filed")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Status: Open"))).to_be_visible()
    details = page.get_by_role("region", name="The request")
    expect(details).to_contain_text(AIM)
    expect(details).to_contain_text("PDSA cycles (coach's level 2 – practised)")
    expect(details).to_contain_text("Tuesday morning; Thursday afternoon;")
    expect(details).to_contain_text("6 h")
    expect(details).to_contain_text("3 of 5")
    snapshot(page, "team-05-request-filed")

    # it is on the team's dashboard, and its link leads back to the status page
    page.get_by_role("link", name=f"‹ {team}").click()
    requests = page.get_by_role("table", name=re.compile("^Support requests of"))
    row = requests.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Open")
    expect(row).to_contain_text("6 h")
    snapshot(page, "team-06-dashboard-with-request")
    row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("region", name="Your coach")).to_contain_text("No coach yet")
    snapshot(page, "team-07-request-status")

    # --- confirm a session the coach logged ----------------------------------------------
    page.get_by_role("link", name=f"‹ {team}").click()
    received_before = hours_figure(page, "Coaching received")
    waiting_before = hours_figure(page, "Waiting to be confirmed")
    to_confirm = page.get_by_role("region", name="Sessions to confirm")
    card = to_confirm.get_by_role("listitem").first
    expect(card).to_be_visible()
    button = card.get_by_role("button", name=re.compile(r"^Confirm [\d.]+ h"))
    hours = float(re.match(r"Confirm ([\d.]+) h", button.inner_text()).group(1))  # type: ignore[union-attr]
    project = card.get_by_role("link").inner_text()
    button.click()
    expect(page.get_by_role("status").filter(has_text="Hours confirmed")).to_be_visible()
    assert hours_figure(page, "Coaching received") == pytest.approx(
        received_before + hours, abs=0.1)
    assert hours_figure(page, "Coaching received") > received_before
    assert hours_figure(page, "Waiting to be confirmed") == pytest.approx(
        waiting_before - hours, abs=0.1)
    snapshot(page, "team-08-session-confirmed")

    # the request's own page shows the session's hours as confirmed
    page.get_by_role("link", name=project).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(project)
    sessions = page.get_by_role("region", name="Sessions", exact=True)
    expect(sessions.get_by_role("listitem").filter(has_text="Confirmed").first).to_be_visible()
    snapshot(page, "team-09-request-with-session")
