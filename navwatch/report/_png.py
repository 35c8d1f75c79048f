"""Reports in a real browser: headless Chromium driven by Playwright, for a static picture of a
report (``navwatch report ... --png``) and for the tests and benchmark that open reports.

Playwright is optional (``pip install 'navwatch[png]'``). The browser is the system's Chromium
when one is on the PATH (Debian's ``chromium``), else the one Playwright manages
(``playwright install chromium``); ``NAVWATCH_CHROMIUM`` names another executable.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError

#: Flags for headless Chromium as navwatch launches it (no sandbox in containers; no background
#: network traffic).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "PNG export drives headless Chromium with Playwright: pip install 'navwatch[png]', and "
    "install Chromium (Debian/Ubuntu: apt-get install chromium; elsewhere: playwright install chromium)"
)


def chromium_executable() -> str | None:
    """The Chromium navwatch launches: ``NAVWATCH_CHROMIUM``, else the first of chromium,
    chromium-browser, google-chrome on the PATH, else None (Playwright's own)."""
    given = os.environ.get("NAVWATCH_CHROMIUM")
    if given:
        return given
    return next((p for p in map(shutil.which, _NAMES) if p), None)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``); :class:`ConfigError` saying what to
    install when Playwright or a browser is missing."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        raise ConfigError(f"{INSTALL_HINT} (Playwright is not installed)") from exc
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        except Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"{INSTALL_HINT} (Chromium did not start: {first})") from exc
        try:
            yield browser
        finally:
            browser.close()


def open_report(browser, path: str | Path, *, width=1280, height=800, network=False):
    """Open a report in a new page and wait until its script is ready. Without ``network``
    every request that is not a local file is refused (and listed). Returns ``(page, problems,
    requests)``: page errors, console errors and dialogs, and the refused URLs."""
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)  # fmt: skip
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))

    def on_dialog(dialog) -> None:
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def route(r) -> None:
        if network or r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=120_000)
    page.wait_for_function("window.navwatchReady === true", timeout=120_000)
    return page, problems, requests


def screenshot(
    html: str | Path,
    png: str | Path,
    *,
    at: pd.Timestamp | str | None = None,
    width: int = 1400,
    height: int = 900,
    network: bool = False,
) -> Path:
    """Write a PNG picture of the report ``html`` with its time slider at ``at`` (default: the
    end of the period), the page ``width`` x ``height`` CSS pixels. Tiles are fetched only with
    ``network``."""
    png = Path(png)
    with chromium() as browser:
        page, problems, _ = open_report(browser, html, width=width, height=height, network=network)
        if at is not None:
            t = pd.Timestamp(at)
            t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
            page.evaluate("(s) => window.navwatchSetTimeUTC(s)", int(t.value // 10**9))
        page.wait_for_timeout(300)  # let Leaflet finish drawing
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png))
        errors = [p for p in problems if not p.startswith("console")]
        if errors:
            raise ConfigError(f"{html}: the report failed in the browser: {errors[0]}")
    return png
