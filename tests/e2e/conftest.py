"""Real-browser fixtures: a live HexQI over real HTTP, and Debian's Chromium driven by Playwright.

The server is the real app (werkzeug, threaded) on a file SQLite database built by the real
migrations and the real demo builder at a small scale. The demo is built once per test run and
copied for each test module, so every module starts from the same fresh demo. Matching rounds
run in a background thread (``REDIS_URL`` is forced empty).

The helpers (log in, follow the navigation, snapshot) live in ``helpers.py``.
``snapshot(page, name)`` saves screenshots of the page at 1280 px and 375 px to
``test-artifacts/screenshots`` and checks, on every page a journey visits: no horizontal scroll
at 375 px, exactly one ``<h1>``, and an accessible label on every form control.

Every page records JavaScript errors and server errors (HTTP 5xx); a test fails if any occur.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = os.environ.get("HEXQI_CHROMIUM", "/usr/bin/chromium")
DEMO_SEED, DEMO_SCALE = 7, 0.3
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            if "e2e" in str(item.path):
                item.add_marker(skip)


# ------------------------------------------------------------------------------ the server


@dataclass
class Demo:
    path: Path
    password: str
    logins: dict[str, str]  # journey ("Coach", "Team member", ...) -> email


@dataclass
class LiveServer:
    app: Any
    url: str
    password: str
    logins: dict[str, str]

    def email(self, journey: str) -> str:
        return self.logins[journey]


def _make_app(path: Path) -> Any:
    from hexqi import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                       "TESTING": False, "WTF_CSRF_ENABLED": True, "SECRET_KEY": "e2e",
                       "REDIS_URL": "", "MAIL_SERVER": "", "MATCHING_TIME_LIMIT": 5})


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo system built once (real migrations, real demo builder) into a file."""
    from flask_migrate import upgrade

    from hexqi.extensions import db
    from hexqi.services.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    app = _make_app(path)
    with app.app_context():
        upgrade()
        summary = build_demo(seed=DEMO_SEED, scale=DEMO_SCALE)
        db.session.remove()
        db.engine.dispose()
    return Demo(path, summary.password, {x.journey: x.email for x in summary.logins})


@pytest.fixture(scope="module")
def live_server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real HTTP server on a fresh copy of the demo, for one test module."""
    from hexqi.extensions import db

    path = tmp_path_factory.mktemp("live") / "hexqi.sqlite"
    shutil.copyfile(demo.path, path)
    app = _make_app(path)
    quiet = logging.getLogger("werkzeug")  # one line per request is noise in a failure report
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", demo.password,
                         demo.logins)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        quiet.setLevel(level)
        with app.app_context():
            db.engine.dispose()


# ----------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


@dataclass
class Problems:
    """JavaScript errors and server errors seen by a page."""

    items: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda exc: self.items.append(f"JavaScript error: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _failed(self, request: Any) -> None:
        # Leaving a page aborts what it was still loading (ERR_ABORTED): not a fault.
        if "ERR_ABORTED" not in str(request.failure):
            self.items.append(f"request failed: {request.method} {request.url} "
                              f"({request.failure})")

    def _response(self, response: Any) -> None:
        # a server error anywhere; a missing stylesheet, script or image (pages may 404)
        broken = response.status >= 500 or (
            response.status >= 400 and response.request.resource_type != "document")
        if broken:
            self.items.append(f"HTTP {response.status} from {response.request.method} "
                              f"{response.url}")


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a new browser context (its own cookies: another person's browser)."""
    contexts: list[Any] = []
    problems = Problems()

    def open_page(width: int = 1280) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      accept_downloads=True, locale="en-GB",
                                      timezone_id="Europe/London")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        pg = context.new_page()
        problems.watch(pg)
        return pg

    yield open_page
    for context in contexts:
        context.close()
    assert not problems.items, "problems seen in the browser:\n" + "\n".join(problems.items)


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()
