"""A real OpenID provider for the tests: the npm package `oidc-provider`, run by
`provider.mjs` with Node on a free loopback port.

`npm ci` installs the package from the committed lockfile the first time (and again
when the lockfile changed). Without Node (or npm) the tests that need it are skipped
on a developer's machine and fail under CI (`CI` set): CI must not pass by not running
them.

`sign_in_at_provider` plays the person at the provider's own login and consent pages
over HTTP, the way a browser would, for the test-client journeys.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "doorbraak-test"
CLIENT_SECRET = "doorbraak-test-secret-not-for-production"

# The people the provider knows (any password is accepted for them).
ACCOUNTS = {
    "anna": {
        "email": "Anna.de.Vries@gemeente-a.example",
        "name": "Anna de Vries",
        "given_name": "Anna",
        "family_name": "de Vries",
        "organisation": "GEM-A",
    },
    "bert": {
        "email": "bert@elders.example",
        "name": "Bert Elders",
        "organisation": "NIET-GEKOPPELD",
    },
    "carla": {"email": "carla@zonder.example", "name": "Carla Zonder"},
}


def _missing(message: str):
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def ensure_installed() -> None:
    """`npm ci` unless node_modules matches the lockfile already."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _missing(
            "Node.js and npm are needed for the OpenID provider (apt-get install nodejs npm)"
        )
    lockfile = HERE / "package-lock.json"
    digest = hashlib.sha256(lockfile.read_bytes()).hexdigest()
    stamp = HERE / "node_modules" / ".doorbraak-lock-sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        _missing(f"npm ci failed in tests/oidc: {result.stderr[-2000:]}")
    stamp.write_text(digest)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen

    def settings(self, name: str = "test") -> dict:
        """The entry of settings.OIDC_PROVIDERS for this provider."""
        return {
            "name": name,
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": "openid email profile organisation",
            "organisation_claim": "organisation",
            "email_claim": "email",
            "label": "Test-IdP",
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_provider(site_urls: list[str], name: str = "test") -> RunningProvider:
    """Start the provider with one client whose redirect URIs point at the callback
    of provider `name` on each of `site_urls`, and wait until it answers."""
    ensure_installed()
    port = _free_port()
    config = {
        "port": port,
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [
                    f"{url.rstrip('/')}/accounts/sso/{name}/callback/"
                    for url in site_urls
                ],
                "post_logout_redirect_uris": [
                    f"{url.rstrip('/')}/accounts/login/" for url in site_urls
                ],
            }
        ],
        "accounts": ACCOUNTS,
    }
    process = subprocess.Popen(
        [shutil.which("node"), str(HERE / "provider.mjs")],
        cwd=HERE,
        env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"OpenID provider stopped: {process.stdout.read()}")
        try:
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
        except requests.ConnectionError:
            time.sleep(0.1)
            continue
        return RunningProvider(issuer=issuer, process=process)
    process.kill()
    raise RuntimeError("OpenID provider did not start within 30 s")


def _form(html: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the first form of a provider page."""
    match = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    assert match, html
    action, body = unescape(match[1]), match[2]
    fields = {
        name: unescape(value)
        for name, value in re.findall(
            r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body
        )
    }
    return action, fields


def sign_in_at_provider(authorize_url: str, login: str, back_to: str) -> str:
    """Follow the provider's pages as a browser would: its login form (as `login`,
    any password), its consent form, until it redirects to a URL starting with
    `back_to`; that URL is returned (the callback with `code` and `state`)."""
    browser = requests.Session()
    url = authorize_url
    for _step in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        while response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if url.startswith(back_to):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
        assert response.status_code == 200, response.text
        action, fields = _form(response.text)
        if 'name="login"' in response.text:
            fields.update({"login": login, "password": "whatever"})
        response = browser.post(
            urljoin(url, action), data=fields, allow_redirects=False, timeout=10
        )
        assert response.is_redirect, response.text
        url = urljoin(url, response.headers["Location"])
        if url.startswith(back_to):
            return url
    raise AssertionError("the provider never sent the browser back")
