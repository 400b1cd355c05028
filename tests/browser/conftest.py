"""Real-browser tests: Debian's Chromium driven by Selenium through Debian's chromedriver.

Nothing is downloaded: the driver and the browser are given by path, so Selenium Manager never runs.
Every test here is marked `browser`; `make test` leaves them out and `make test-browser` runs them.
On failure each test leaves a screenshot and the page's HTML in artifacts/browser/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
WINDOW = (1366, 900)  # the smallest laptop screen staff use: every page must fit it
WAIT_SECONDS = 15.0
MISSING = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if MISSING:
                item.add_marker(pytest.mark.skip(reason=f"no browser: {', '.join(MISSING)} missing"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def driver(tmp_path_factory) -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--lang=en-US",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_window_size(*WINDOW)
    browser.set_page_load_timeout(60)
    yield browser
    browser.quit()


@pytest.fixture
def browser(driver, live_server, sandbox, settings, tmp_path, request) -> Iterator:
    """The session's Chromium, logged out, against the live server (sandbox and media included)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    driver.delete_all_cookies()
    driver.base_url = live_server.url
    yield driver
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        save_artifacts(driver, request.node.name)


def save_artifacts(driver, name: str) -> Path:
    folder = ARTIFACTS / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", name)
    driver.save_screenshot(str(folder / f"{stem}.png"))
    (folder / f"{stem}.html").write_text(driver.page_source, encoding="utf-8")
    return folder


def wait_for(driver, check: Callable[[], object], *, timeout: float = WAIT_SECONDS, what: str = "condition"):
    """Poll `check()` in the page until it is truthy (Selenium's own wait, no bare sleeps)."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda _d: check(), message=what)


@pytest.fixture
def staff_password() -> str:
    return "correct horse battery staple"


@pytest.fixture
def superuser(django_user_model, staff_password):
    return django_user_model.objects.create_superuser("maria", "maria@example.com", staff_password)


def log_in(browser, username: str, password: str, *, path: str = "/admin/") -> None:
    from selenium.webdriver.common.by import By

    browser.get(browser.base_url + path)
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(browser, lambda: browser.find_elements(By.ID, "user-tools"), what="logged in")


@pytest.fixture
def logged_in(browser, superuser, staff_password):
    log_in(browser, superuser.username, staff_password)
    return browser
