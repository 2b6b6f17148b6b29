"""Headless Chromium for the browser tier: which binary, with which flags, on which free port.

Debian's ``chromium`` is driven through Playwright, which never downloads a browser here;
``DBN_COURSE_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_binary() -> str | None:
    named = os.environ.get("DBN_COURSE_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def launched(binary: str):
    """Headless Chromium from ``binary``, driven by Playwright, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page, path, full_page: bool = True) -> bool:
    """Save a screenshot of ``page`` for a person to look at; return whether it was saved.

    A screenshot is a record, not a check. Chromium may fail to capture a frame while
    the machine is busy ("Unable to capture screenshot"): it is asked again, twice, and
    if it still cannot, the test goes on without that picture and says so.
    """
    from playwright.sync_api import Error

    for _ in range(3):
        try:
            page.screenshot(path=str(path), full_page=full_page)
            return True
        except Error as error:
            if "Unable to capture screenshot" not in str(error):
                raise
            reason = str(error).splitlines()[0]
    print(f"no screenshot {path}: {reason}")
    return False
