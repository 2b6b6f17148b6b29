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
