"""The demo system lead, in a real browser: a matching round from start to publish, then the
hours matrix moving after a team confirms a session in its own browser."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import login, nav, snapshot

pytestmark = pytest.mark.e2e

# Records every value the round page's progress text takes, in sessionStorage (which survives
# the reload the page does when the round finishes).
WATCH_PROGRESS_JS = """() => {
  const text = document.getElementById('round-progress-text');
  sessionStorage.setItem('hexqi-progress', JSON.stringify([text.textContent.trim()]));
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem('hexqi-progress') || '[]');
    seen.push(text.textContent.trim());
    sessionStorage.setItem('hexqi-progress', JSON.stringify(seen));
  }).observe(text, {childList: true, characterData: true, subtree: true});
}"""

MATRIX_JS = """(table) => {
  const head = Array.from(table.querySelectorAll('thead th')).map((th) => th.textContent.trim());
  const rows = {};
  for (const tr of table.querySelectorAll('tbody tr')) {
    const cells = Array.from(tr.children).map((c) => c.textContent.trim());
    rows[cells[0]] = cells;
  }
  return {head: head, rows: rows};
}"""


@pytest.fixture
def held_round(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The background thread that runs a round waits for this event before it starts, so the
    test sees the round queued (a worker picking the job up a moment later), whatever the speed
    of the machine. The round itself runs for real once the event is set."""
    from hexqi.services import jobs

    gate = threading.Event()
    real = jobs._run_in_thread

    def held(app, round_id: int) -> None:  # type: ignore[no-untyped-def]
        gate.wait(timeout=60)
        real(app, round_id)

    monkeypatch.setattr(jobs, "_run_in_thread", held)
    yield gate
    gate.set()


def matrix_cell(page, giver: str, receiver: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Hours ``giver`` gave ``receiver``, and ``giver``'s total given, from the hours matrix
    table (a blank cell is no hours)."""
    table = page.get_by_role("table", name=re.compile(r"^Hours given, by organisation \("))
    data = table.evaluate(MATRIX_JS)
    row = data["rows"].get(giver)
    if row is None:
        return 0.0, 0.0
    cell = row[data["head"].index(receiver)] if receiver in data["head"] else ""
    total = row[data["head"].index("Total given")]
    return float(cell or 0), float(total or 0)


def option_labels(select) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(o.get_attribute("value"), o.inner_text().strip())
            for o in select.locator("option").all() if o.get_attribute("value") not in ("", "0")]


def choose_override(page) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """Pick, as a lead reading the page would, a proposal to change and a coach who is free:
    another organisation, enough hours and a team place, not already in this round."""
    form = page.get_by_role("region", name="Choose a coach by hand")
    proposals = page.get_by_role("region", name="Proposals", exact=True)
    in_round = set(proposals.locator("tbody tr td:nth-child(4)").all_inner_texts())
    in_round = {name.replace("By hand", "").strip() for name in in_round}
    requests = option_labels(form.get_by_label("Request"))
    coaches = option_labels(form.get_by_label("Coach"))
    proposed_ids = {re.match(r"#(\d+)", t).group(1)  # type: ignore[union-attr]
                    for t in proposals.locator("tbody tr td:first-child").all_inner_texts()}
    # prefer replacing one of the matcher's proposals; else give an unmatched request a coach
    requests.sort(key=lambda r: r[0] not in proposed_ids)
    for req_value, req_text in requests:
        m = re.match(r"#\d+ .+ \((.+)\), (\d+) h$", req_text)
        assert m, req_text
        req_org, req_hours = m.group(1), int(m.group(2))
        for coach_value, coach_text in coaches:
            c = re.match(r"(.+) \((.+)\), (\d+) h and (\d+) team\(s\) free$", coach_text)
            assert c, coach_text
            name, org, hours, teams = c.group(1), c.group(2), int(c.group(3)), int(c.group(4))
            if org != req_org and hours >= req_hours and teams >= 1 and name not in in_round:
                return req_value, coach_value, name
    raise AssertionError("no free coach from another organisation for any request")


def test_system_lead_journey(live_server, new_page, held_round) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    login(page, live_server.url, live_server.email("System lead"), live_server.password)
    snapshot(page, "lead-01-home")

    # --- a matching round --------------------------------------------------------------
    nav(page, "Matching")
    expect(page.get_by_role("heading", level=1)).to_have_text("Matching")
    snapshot(page, "lead-02-matching")
    page.get_by_role("link", name="Start a new round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New matching round")
    snapshot(page, "lead-03-new-round")
    caption = page.get_by_role("table", name=re.compile(r"^Open requests \(\d+\)")).inner_text()
    open_count = int(re.search(r"Open requests \((\d+)\)", caption).group(1))  # type: ignore[union-attr]
    assert open_count >= 2
    page.get_by_role("radio", name="Cross-organisation required").check()
    page.get_by_role("radio", name="Every open request that matches the filter").check()
    page.get_by_role("button", name="Start the round").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Round \d+ Queued$"))
    round_name = re.match(r"Round \d+", heading.inner_text()).group(0)  # type: ignore[union-attr]
    bar = page.get_by_role("progressbar", name="Progress")
    expect(bar).to_be_visible()
    assert float(bar.get_attribute("value") or 0) == 0
    expect(page.get_by_role("status")).to_contain_text("0%")
    snapshot(page, "lead-04-round-queued")
    page.evaluate(WATCH_PROGRESS_JS)
    held_round.set()  # the worker picks the round up

    # the page follows the round by itself and shows the results when it is done
    expect(heading).to_have_text(f"{round_name} Done", timeout=60_000)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    seen = json.loads(page.evaluate("() => sessionStorage.getItem('hexqi-progress')"))
    percents = [int(s.rstrip("%")) for s in seen]
    assert percents[-1] == 100, f"the bar should fill before the results show: {seen}"
    assert percents == sorted(percents), f"progress went backwards: {seen}"

    outcome = page.get_by_role("region", name="Outcome")
    expect(outcome).to_contain_text(f"of {open_count} requests")
    proposals = page.get_by_role("region", name="Proposals", exact=True)
    rows = proposals.locator("tbody tr")
    assert rows.count() >= 1
    for row in rows.all():
        assert row.locator("ul.reasons li").count() >= 1, "every proposal says why"
    unserved = page.get_by_role("region", name="Requests without a proposal")
    unserved_rows = unserved.locator("tbody tr")
    assert rows.count() + unserved_rows.count() == open_count
    assert unserved_rows.count() >= 1, "the demo round leaves some requests unmatched"
    for row in unserved_rows.all():
        assert row.locator("td").last.inner_text().strip(), "every unmatched request says why"
    snapshot(page, "lead-05-round-done")

    # --- override one match by hand, then publish ----------------------------------------
    request_value, coach_value, coach_name = choose_override(page)
    form = page.get_by_role("region", name="Choose a coach by hand")
    form.get_by_label("Request").select_option(request_value)
    form.get_by_label("Coach").select_option(coach_value)
    form.get_by_role("button", name="Propose this coach").click()
    expect(page.get_by_role("status").filter(
        has_text=f"{coach_name} is now proposed for request #{request_value}")).to_be_visible()
    by_hand = proposals.locator("tbody tr").filter(has_text=f"#{request_value} ")
    expect(by_hand).to_have_count(1)
    expect(by_hand).to_contain_text(coach_name)
    expect(by_hand).to_contain_text("By hand")
    snapshot(page, "lead-06-round-override")

    page.get_by_role("button", name="Approve all and publish").click()
    expect(page.get_by_role("status").filter(has_text=f"{round_name} is published")).to_be_visible()
    expect(heading).to_have_text(f"{round_name} Published")
    expect(page.get_by_role("button", name="Approve all and publish")).to_have_count(0)
    snapshot(page, "lead-07-round-published")

    # --- the hours matrix -----------------------------------------------------------------
    nav(page, "Reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    snapshot(page, "lead-08-reports")
    page.get_by_role("navigation", name="Reports").get_by_role(
        "link", name="Hours exchanged").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hours exchanged")
    snapshot(page, "lead-09-hours-by-kind")
    page.get_by_label("Group organisations by").select_option(label="Organisation")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table", name=re.compile(r"^Hours given, by organisation \("))
           ).to_be_visible()
    snapshot(page, "lead-10-hours-by-organisation")

    # meanwhile, in the team member's browser: confirm the hours of a session the coach logged
    team_page = new_page()
    login(team_page, live_server.url, live_server.email("Team member"), live_server.password)
    snapshot(team_page, "lead-11-team-home")
    nav(team_page, "My team")
    snapshot(team_page, "lead-12-team-dashboard")
    team_org = team_page.get_by_role("heading", level=1).locator("xpath=following-sibling::p[1]"
                                                                 ).inner_text().strip()
    card = team_page.get_by_role("region", name="Sessions to confirm").get_by_role(
        "listitem").first
    card.get_by_role("link").click()  # the request the session belongs to
    expect(team_page.get_by_role("region", name="Your coach")).to_be_visible()
    snapshot(team_page, "lead-13-team-request")
    coach = team_page.get_by_role("region", name="Your coach").locator(".card p").first
    coach_text = coach.inner_text()
    coach_org = coach_text.split(",", 1)[1].strip()
    confirm = team_page.get_by_role("region", name="Sessions", exact=True).get_by_role(
        "button", name=re.compile(r"^Confirm [\d.]+ h")).first
    hours = float(re.match(r"Confirm ([\d.]+) h", confirm.inner_text()).group(1))  # type: ignore[union-attr]
    before_cell, before_total = matrix_cell(page, coach_org, team_org)
    confirm.click()
    expect(team_page.get_by_role("status").filter(has_text="Hours confirmed")).to_be_visible()
    snapshot(team_page, "lead-14-team-confirmed")

    # back in the lead's browser: the matrix has moved by exactly those hours
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hours exchanged")
    after_cell, after_total = matrix_cell(page, coach_org, team_org)
    assert after_cell == pytest.approx(before_cell + hours, abs=0.011), (coach_org, team_org)
    assert after_total == pytest.approx(before_total + hours, abs=0.011)
    snapshot(page, "lead-15-hours-after")
