"""Steps a person takes in the browser, shared by the browser tests."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import expect

PASSWORD = "in-de-browser-geheim-42"


def with_password(user, password: str = PASSWORD):
    """Give a factory user a password, so that they can log in by the form."""
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def log_in(page, username: str, password: str) -> None:
    """Log in by the login form, as a person does."""
    page.goto(reverse("login"))
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).not_to_have_url(re.compile(re.escape(reverse("login"))))
    expect(main_menu(page)).to_be_visible()


def main_menu(page):
    return page.get_by_role("navigation", name="Hoofdmenu")


def open_from_menu(page, title: str) -> None:
    """Follow a link of the side menu and wait for its page: Turbo changes the address
    before it shows the new page, so wait for the page's heading."""
    main_menu(page).get_by_role("link", name=re.compile(f"^{re.escape(title)}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def log_out(page) -> None:
    """Log out by the account menu; the login page follows."""
    page.get_by_role("button", name="Accountmenu tonen of verbergen").click()
    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + "$"))
