"""Every main page, for each demo login and for a visitor, on a 375 px phone: no horizontal
scroll, exactly one <h1>, and an accessible label on every form control.

Detail pages (a match, a request, a round, an organisation, a training event) are found by
following the first such link on the page that lists them. Each page is also screenshotted at
375 px into test-artifacts/screenshots (``every-<who>-<page>-375.png``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.helpers import ARTIFACTS, OVERFLOW_JS, UNLABELLED_JS, login

pytestmark = pytest.mark.e2e

COMMON = ["/", "/auth/password", "/outbox"]
# who -> pages: a path, or (page to look on, pattern of the link to follow)
PAGES: dict[str, list[str | tuple[str, str]]] = {
    "Visitor": ["/", "/auth/login", "/auth/register", "/no-such-page"],
    "Coach": COMMON + [
        "/coach/", "/coach/profile", "/coach/training",
        ("/coach/", r"^/coach/matches/\d+$"),
        ("/coach/training", r"^/coach/training/\d+$"),
    ],
    "Team member": COMMON + [
        "/team/", "/team/requests/new",
        ("/team/", r"^/team/requests/\d+$"),
    ],
    "System lead": COMMON + [
        "/system/", "/system/rounds/new", "/system/organisations",
        "/system/organisations/new", "/system/people", "/system/settings",
        ("/system/", r"^/system/rounds/\d+$"),
        ("/system/organisations", r"^/system/organisations/\d+$"),
        "/reports/", "/reports/hours", "/reports/hours?group=organisation", "/reports/pyramid",
        "/reports/impact", "/reports/sustainability", "/team/",
    ],
    "Organisation admin": COMMON + ["/org/", "/team/"],
}

def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def _first_link(page, pattern: str) -> str | None:  # type: ignore[no-untyped-def]
    for href in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)"):
        path = urlsplit(href).path
        if re.search(pattern, path):
            return path
    return None


@pytest.mark.parametrize("who", list(PAGES))
def test_every_page_on_a_phone(live_server, new_page, who: str) -> None:  # type: ignore[no-untyped-def]
    page = new_page(width=375)
    if who != "Visitor":
        login(page, live_server.url, live_server.email(who), live_server.password)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for item in PAGES[who]:
        if isinstance(item, tuple):
            where, pattern = item
            page.goto(live_server.url + where)
            path = _first_link(page, pattern)
            if path is None:
                problems.append(f"{where}: no link matching {pattern} to follow")
                continue
        else:
            path = item
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert response is not None
        expected = 404 if path == "/no-such-page" else 200
        if response.status != expected:
            problems.append(f"{path}: HTTP {response.status}, expected {expected}")
        h1s = page.locator("h1").count()
        if h1s != 1:
            problems.append(f"{path}: {h1s} <h1> elements")
        wide = page.evaluate(OVERFLOW_JS)
        if wide["overflow"] > 0:
            problems.append(f"{path}: {wide['overflow']} px of horizontal scroll at 375 px "
                            f"(past the edge: {', '.join(wide['culprits'])})")
        problems += [f"{path}: no label for {html}" for html in page.evaluate(UNLABELLED_JS)]
        page.screenshot(path=str(ARTIFACTS / f"every-{_slug(who)}-{_slug(path)}-375.png"),
                        full_page=True)
    assert not problems, f"{who}:\n" + "\n".join(problems)
