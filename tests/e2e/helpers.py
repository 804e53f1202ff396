"""Helpers for the browser journeys: log in, follow the main navigation, and check and
screenshot a page (``snapshot``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = (1280, 375)


def login(page: Any, base_url: str, email: str, password: str) -> None:
    """Log in as a new user would: the front page, its "Log in" link, the form."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name=re.compile(r"^log in$", re.I)).click()
    expect(page.get_by_role("button", name=re.compile(r"^log out", re.I))).to_be_visible()
    page.wait_for_load_state("load")


def nav(page: Any, label: str) -> None:
    """Follow a link in the site's main navigation, and wait until the new page marks it as
    the current one."""
    from playwright.sync_api import expect

    link = page.get_by_role("navigation", name="Main").get_by_role("link", name=label,
                                                                   exact=True)
    link.click()
    expect(link).to_have_attribute("aria-current", "page")
    page.wait_for_load_state("load")


UNLABELLED_JS = """() => {
  const named = (ids) => (ids || '').split(/\\s+/).some(
      (id) => id && document.getElementById(id) && document.getElementById(id).textContent.trim());
  const skip = ['hidden', 'submit', 'button', 'reset', 'image'];
  const bad = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.tagName === 'INPUT' && skip.includes((el.getAttribute('type') || '').toLowerCase())) {
      continue;
    }
    const byLabel = el.labels && Array.from(el.labels).some((l) => l.textContent.trim());
    const byAria = (el.getAttribute('aria-label') || '').trim() !== '';
    if (!(byLabel || byAria || named(el.getAttribute('aria-labelledby')))) {
      bad.push(el.outerHTML.slice(0, 200));
    }
  }
  return bad;
}"""

OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const overflow = root.scrollWidth - root.clientWidth;
  if (overflow <= 0) { return {overflow: overflow, culprits: []}; }
  const width = root.clientWidth;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const cls = typeof el.className === 'string' ? el.className.trim() : '';
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (cls ? '.' + cls.split(/\\s+/).join('.') : '');
      culprits.push(name + ' (right edge ' + Math.round(box.right) + ' px)');
      if (culprits.length >= 8) { break; }
    }
  }
  return {overflow: overflow, culprits: culprits};
}"""


def audit(page: Any, name: str) -> None:
    """One <h1>, and an accessible label on every form control."""
    h1s = page.locator("h1").count()
    assert h1s == 1, f"{name} ({page.url}): {h1s} <h1> elements, expected exactly one"
    bad = page.evaluate(UNLABELLED_JS)
    assert not bad, f"{name} ({page.url}): form controls without a label:\n" + "\n".join(bad)


def no_horizontal_scroll(page: Any, name: str) -> None:
    found = page.evaluate(OVERFLOW_JS)
    assert found["overflow"] <= 0, (
        f"{name} ({page.url}): {found['overflow']} px of horizontal scroll at "
        f"{page.viewport_size['width']} px; elements past the edge: {found['culprits']}")


def snapshot(page: Any, name: str, check: bool = True) -> None:
    """Screenshot the current page at 1280 px and 375 px (full page) into test-artifacts.

    Fails on horizontal scroll at 375 px, and (``check``) unless the page has exactly one
    <h1> and every form control has an accessible label.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")
    if check:
        audit(page, name)
    original = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # let the layout settle at the new width (two animation frames)
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => "
                      "requestAnimationFrame(r)))")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True,
                        animations="disabled")
        if width == 375:
            no_horizontal_scroll(page, name)
    page.set_viewport_size(original)
