"""Production settings served by a real gunicorn (issue 20 item 1, issue 12 item 4).

One gunicorn for the module, as `README` tells an operator to run it: production
settings, `DEBUG` off, static files collected by `collectstatic` and served by the
application, behind a TLS proxy (`X-Forwarded-Proto: https`). Its database is a copy
of the session's migrated SQLite file: the server is a separate process and cannot see
the test's transaction. The gthread worker keeps connections alive, as production does;
that is where a HEAD answer with a body desynchronises the stream.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from ..processes import copy_sqlite
from .test_security_headers import assert_security_headers
from .test_settings import PRODUCTION_ENV, ROOT, manage_environment, run_manage

SETUP_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from permissions.calendar_tokens import calendar_token_regenerate
from permissions.constants import Role
from permissions.services import role_grant

pytestmark = pytest.mark.slow

user = get_user_model().objects.create_user("ministerie", password="prod-wachtwoord-42")
role_grant(user=user, role=Role.MINISTRY)
print(json.dumps({
    "api_token": Token.objects.create(user=user).key,
    "calendar_token": calendar_token_regenerate(user=user),
}))
"""


@dataclass
class Server:
    port: int
    api_token: str
    calendar_token: str
    log: Path

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"


def _start_gunicorn(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, int]:
    """gunicorn on a port the system picks (port 0); the port is read from its log."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--log-level",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
        if found and "Booting worker" in log.read_text():
            port = int(found.group(1))
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return process, port
            except OSError:
                pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")


@pytest.fixture(scope="module")
def production(tmp_path_factory, migrated_sqlite_file) -> Server:
    folder = tmp_path_factory.mktemp("production")
    database = copy_sqlite(migrated_sqlite_file, folder / "db.sqlite3")
    env = {
        **PRODUCTION_ENV,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{database}",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "USE_X_FORWARDED_PROTO": "true",
        "LOG_LEVEL": "WARNING",
    }
    collected = run_manage("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert (folder / "static" / "staticfiles.json").exists()
    made = run_manage("shell", "-c", SETUP_SCRIPT, **env)
    assert made.returncode == 0, made.stderr
    tokens = json.loads(made.stdout.strip().splitlines()[-1])
    log = folder / "gunicorn.log"
    process, port = _start_gunicorn(manage_environment(**env), log)
    try:
        yield Server(port, tokens["api_token"], tokens["calendar_token"], log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


HTTPS = {"X-Forwarded-Proto": "https"}


def get(server: Server, path: str, headers: dict | None = None, method="GET"):
    conn = server.connection()
    conn.request(method, path, headers={**HTTPS, **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def cookies_of(response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(server: Server) -> str:
    """Log in through the real form; returns the Cookie header of the session."""
    page, body = get(server, "/accounts/login/")
    assert page.status == 200
    cookies = cookies_of(page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = (
        f"csrfmiddlewaretoken={token.decode()}"
        "&username=ministerie&password=prod-wachtwoord-42"
    )
    conn = server.connection()
    conn.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            **HTTPS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Origin": server.origin,
            "Referer": f"{server.origin}/accounts/login/",
        },
    )
    answer = conn.getresponse()
    answer.read()
    conn.close()
    assert answer.status == 302, answer.status
    cookies.update(cookies_of(answer))
    assert "sessionid" in cookies
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def test_login_dashboard_and_static_files_are_served(production):
    page, body = get(production, "/accounts/login/")
    assert page.status == 200
    html = body.decode()
    assert "Inloggen" in html
    assert_security_headers(page)
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', html)
    assert stylesheets
    # Hashed names from the manifest, served by the application with far-future
    # caching; the fonts a stylesheet names are there too.
    for url in stylesheets:
        assert re.search(r"\.[0-9a-f]{12}\.css$", url), url
        css, content = get(production, url)
        assert css.status == 200, url
        assert css.headers["Content-Type"].startswith("text/css")
        assert "immutable" in css.headers["Cache-Control"]
        for font in re.findall(rb"url\(['\"]?([^'\")]+\.woff2)", content)[:3]:
            font_url = url.rsplit("/", 1)[0] + "/" + font.decode().lstrip("./")
            answer, data = get(production, font_url)
            assert answer.status == 200, font_url
            assert data[:4] == b"wOF2"

    session = log_in(production)
    dashboard, body = get(production, "/dashboard/", {"Cookie": session})
    assert dashboard.status == 200, body[:500]
    assert "Dashboard" in body.decode() or "dashboard" in body.decode()
    assert_security_headers(dashboard)


def test_a_missing_page_is_a_404_page_not_a_server_error(production):
    answer, body = get(production, "/bestaat-niet/")
    assert answer.status == 404
    assert answer.headers["Content-Type"].startswith("text/html")
    assert b"/static/" in body  # the site's own page, with its (collected) styles
    assert_security_headers(answer)


def test_debug_is_off(production):
    _, body = get(production, "/bestaat-niet/")
    assert b"URLconf" not in body  # Django's technical 404 shows the URL patterns
    assert "Internal Server Error" not in production.log.read_text()


# --- HEAD (issue 12 item 4) ---------------------------------------------------------


def exchange(server: Server, head: str, path: str, headers: dict[str, str]) -> bytes:
    """HEAD `path`, then GET it on the same connection (kept alive); returns every
    byte the server sent, in order."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = (
        f"{head} {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"X-Forwarded-Proto: https\r\n{extra}"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(f"{request}\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, "the connection closed before the HEAD answer"
            received += chunk
        sock.sendall(
            f"{request.replace(head, 'GET', 1)}Connection: close\r\n\r\n".encode()
        )
        while chunk := sock.recv(65536):
            received += chunk
    return received


def head_targets(server: Server, session: str) -> dict[str, tuple[str, dict]]:
    _, body = get(server, "/accounts/login/")
    stylesheet = re.search(rb'href="(/static/[^"]+\.css)"', body).group(1).decode()
    return {
        "login page": ("/accounts/login/", {}),
        "dashboard": ("/dashboard/", {"Cookie": session}),
        "404 page": ("/bestaat-niet/", {}),
        "API list": (
            "/api/v1/locations/",
            {"Authorization": f"Token {server.api_token}"},
        ),
        "API 404": (
            "/api/v1/locations/999999/",
            {"Authorization": f"Token {server.api_token}"},
        ),
        "progress report PDF": (
            "/documenten/voortgangsrapportage.pdf",
            {"Cookie": session},
        ),
        "calendar feed": (f"/agenda/{server.calendar_token}.ics", {}),
        "static file": (stylesheet, {}),
    }


def parse_head(answer: bytes) -> tuple[bytes, dict[str, str]]:
    status, *lines = answer.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status.encode(), headers


def test_head_answers_carry_no_body_on_a_kept_alive_connection(production):
    """HEAD, then GET on the same connection: straight after the HEAD answer's headers
    comes the GET answer (a body in between is read as the next answer: a desync),
    with the same status and headers."""
    session = log_in(production)
    for name, (path, headers) in head_targets(production, session).items():
        stream = exchange(production, "HEAD", path, headers)
        head_answer, _, rest = stream.partition(b"\r\n\r\n")
        assert head_answer.startswith(b"HTTP/1.1 "), name
        assert rest.startswith(b"HTTP/1.1 "), (name, rest[:80])
        get_answer, _, get_body = rest.partition(b"\r\n\r\n")
        head_status, head_headers = parse_head(head_answer)
        get_status, get_headers = parse_head(get_answer)
        assert head_headers["connection"] == "keep-alive", name
        assert head_status == get_status, name
        assert head_headers["content-type"] == get_headers["content-type"], name
        if "content-security-policy" in get_headers:
            assert (
                head_headers["content-security-policy"]
                == get_headers["content-security-policy"]
            ), name
        if "content-length" in head_headers:
            assert int(head_headers["content-length"]) == len(get_body), name
