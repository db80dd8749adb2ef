"""Settings shared by every environment, read from the environment.

Every value that differs between machines comes from an environment variable with a
documented, safe default (see `.env.example`). `dev`, `test` and `production` only change
defaults; nothing lives in production settings alone.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "viewflow",
    "viewflow.workflow",
    "permissions",
    "casework",
    "evidence",
    "documents",
    "workflows",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
]

# Background jobs (documents.tasks): a queue in the database, worked by
# `manage.py db_worker` (started by `make run`; a service of its own in production).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A job still running this many seconds after a worker took it is taken to be lost
# (its worker died) and queued again by `manage.py reconcile`, at most
# JOB_MAX_ATTEMPTS attempts in all; then it is marked failed (admin, "Task results").
# Longer than the slowest job (a progress report over thousands of locations: ~2 min).
JOB_STALE_SECONDS = int(os.environ.get("JOB_STALE_SECONDS", 15 * 60))
JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", 3))

MIDDLEWARE = [
    # First: a HEAD answer loses its body whatever produced it (see the middleware).
    "config.middleware.HeadWithoutBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    # A body larger than an evidence file may be is a 413 before it is read; a file
    # sent to a form that takes none is a 400 (config.middleware).
    "config.middleware.UploadBoundaryMiddleware",
    # Before the session is looked up and before any view: a request text with a NUL
    # or an unpaired surrogate, or JSON nested too deeply, ends here (400).
    "config.input_boundary.InputBoundaryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A page refused to someone signed out becomes the login page (then the page).
    "config.middleware.LoginInsteadOfForbiddenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    # Last, so that a locked-out login answers before any view runs.
    "axes.middleware.AxesMiddleware",
    # After the login: someone who still owes their second factor reaches only its pages.
    "accounts.second_factor.SecondFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL (postgres://...) selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- SQLite with more than one process -----------------------------------------------
# `make run` has the web server and the job worker (db_worker) write to one SQLite file.
# WAL lets readers go on while one process writes; a writer that finds the file locked
# waits up to SQLITE_TIMEOUT seconds instead of failing at once; and every transaction
# takes the write lock when it begins (IMMEDIATE): a transaction that read first and
# then wanted to write would otherwise fail with "database is locked" without waiting,
# because SQLite cannot let it wait without breaking its snapshot.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": float(os.environ.get("SQLITE_TIMEOUT", "20")),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, refusing passwords when LOCAL_LOGIN is off.
    "accounts.backends.LocalPasswordBackend",
    "guardian.backends.ObjectPermissionBackend",
    # Keeps a person signed in after single sign-on (accounts.sso); checks no password.
    "accounts.backends.SingleSignOnBackend",
]
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Failed logins (permissions.login_throttle) -------------------------------------
# Locked out per username *and* client address after AXES_FAILURE_LIMIT failures, for
# AXES_COOLOFF_HOURS; one username guessed from many addresses is slowed down after
# LOGIN_SLOWDOWN_AFTER failures in all (a delay doubling per failure, at most
# LOGIN_SLOWDOWN_MAX_SECONDS) except from addresses the user logged in from in the last
# LOGIN_KNOWN_ADDRESS_DAYS days. A refused attempt is
# not counted (it would keep a lock-out or a delay going for ever).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "permissions.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "permissions.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
LOGIN_SLOWDOWN_AFTER = int(os.environ.get("LOGIN_SLOWDOWN_AFTER", "10"))
LOGIN_SLOWDOWN_MAX_SECONDS = int(os.environ.get("LOGIN_SLOWDOWN_MAX_SECONDS", "300"))
LOGIN_KNOWN_ADDRESS_DAYS = int(os.environ.get("LOGIN_KNOWN_ADDRESS_DAYS", "90"))

# --- Client address behind proxies (config.client_address) ---------------------------
# The addresses or networks (comma-separated) of the proxies in front of the
# application, e.g. the load balancer: only from them is X-Forwarded-For believed.
# Empty: no proxy is trusted and the client is the address the request came from.
TRUSTED_PROXIES = [
    str(ipaddress.ip_network(entry, strict=False))  # a typo fails at start-up
    for entry in env_list("TRUSTED_PROXIES")
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Stored documents use Django's storage API: the file system under MEDIA_ROOT unless
# DOCUMENT_STORAGE_BACKEND names another backend (e.g. an S3-compatible one).
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "DOCUMENT_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# --- Static files in production --------------------------------------------------------
# `manage.py collectstatic` writes them to STATIC_ROOT (production: hashed names and a
# manifest). With SERVE_STATIC the application serves them itself (WhiteNoise, right
# after SecurityMiddleware: far-future cache headers on hashed names, HEAD and ranges);
# without, the web server in front serves STATIC_ROOT under STATIC_URL. Compressed
# copies (STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage)
# are left to the proxy: compressing viewflow's 50 MB of scripts with brotli makes
# collectstatic take five minutes instead of three seconds. The npm folders some
# packages ship inside their static files are not collected (the finder below).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "config.staticfiles.AppStaticFilesFinder",
]
SERVE_STATIC = env_bool("SERVE_STATIC", False)
if SERVE_STATIC:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    }
}

# --- E-mail (workflows.notifications) -------------------------------------------------
# Django's own settings, read from the environment under the same names. The console
# backend (the default) prints every mail where the server runs; the SMTP backend
# (django.core.mail.backends.smtp.EmailBackend) uses the host settings. Links in mail
# start with SITE_URL, the address people reach the application at.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "doorbraak@localhost")
# Where people reach the team (the contact, privacy and accessibility pages).
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the start, usually 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10")) or None  # seconds
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    # Token first: an unauthenticated request then gets 401 with a WWW-Authenticate
    # challenge instead of a 403 that reads like "not allowed".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: a form or multipart body is a 415 (config.api.JSONAPIView), and the
    # schema publishes JSON request bodies only.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "config.openapi.DoorbraakAutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Doorbraak API",
    "DESCRIPTION": (
        "Locaties, overgangen, knelpunten, overeenkomsten en taken van de "
        "doorbraakaanpak."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets share the field name `kind`: name each enum after its meaning.
    "ENUM_NAME_OVERRIDES": {
        "AgreementKindEnum": "casework.models.AgreementKind",
        "TaskKindEnum": "workflows.api.TaskKind.choices",
        # Fields of the same name with other choices (a task's `decision`, a
        # location's `available_transitions`) are named after their component.
        "DecisionEnum": "casework.models.Decision",
        "TransitionEnum": "casework.constants.TransitionName",
        "ImpasseRuleEnum": "casework.constants.ImpasseRule",
        "NoticeJournalEnum": "casework.constants.NoticeJournal",
        "BottleneckStatusEnum": "casework.constants.BottleneckStatus",
        "CommitmentStatusEnum": "casework.constants.CommitmentStatus",
    },
}

# Security headers that hold in every environment; production adds HTTPS-only ones.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Browser features the interface never uses (config.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# Content-Security-Policy (django-csp). Everything comes from this origin; no inline
# script anywhere (viewflow's pages load theirs from static files). Inline styles:
# - `style` attributes are allowed (style-src-attr 'unsafe-inline'): viewflow's own
#   templates (page frame, lists, task pages) carry dozens of them and they cannot get
#   a nonce. An attribute can only style its element; it cannot load anything.
# - inline <style> elements are not, except fixed ones allowed by their hash: the
#   theme colours viewflow's base template writes (from the Site's colours in
#   config/urls.py) on its own pages (ours take them from doorbraak.css), Turbo's
#   progress-bar style and Swagger UI's box-sizing rules. A nonce would not do:
#   Turbo swaps pages without reloading, so a later page's nonce never matches the
#   first page's policy.
#   tests/browser/test_csp.py loads the pages in Chromium and fails on any violation
#   (also when an upgrade or a template edit changes one of these texts).
VIEWFLOW_THEME_STYLE_HASH = "sha256-E4xi1Y9dnFHcQZETrroNMFn2U/N07M2nCIk65A2VmM8="
TURBO_PROGRESS_BAR_STYLE_HASH = "sha256-WAyOw4V+FqDc35lQPyRADLBWbuNK8ahvYEaQIYF1+Ps="
# The box-sizing rules of drf-spectacular's Swagger UI page (/api/v1/docs/).
SWAGGER_UI_STYLE_HASH = "sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0="
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": [
            "'self'",
            f"'{VIEWFLOW_THEME_STYLE_HASH}'",
            f"'{TURBO_PROGRESS_BAR_STYLE_HASH}'",
            f"'{SWAGGER_UI_STYLE_HASH}'",
        ],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Uploads: evidence files (evidence/), one per request, through
# `POST /api/v1/locations/{id}/evidence/` and the form on the location page; no other
# form or endpoint takes a file (config.middleware.UploadBoundaryMiddleware: a form
# 400, the API, JSON only, 415). An evidence file is at most EVIDENCE_MAX_BYTES (413
# above; the body is refused before it is read). Other request bodies stay small.
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FILES = int(os.environ.get("DATA_UPLOAD_MAX_NUMBER_FILES", "1"))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(
    os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024))
)
FILE_UPLOAD_MAX_MEMORY_SIZE = int(
    os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024))
)
# The first handler keeps each file's name as it was sent (evidence.uploads): a name
# with a folder or a control character is refused, not silently cut.
FILE_UPLOAD_HANDLERS = [
    "evidence.uploads.RawNameUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# The password every demo user gets from `manage.py load_demo`.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "doorbraak-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports every rendering step at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
AXES_VERBOSE = False

# --- Identities (accounts) ---------------------------------------------------------------
# Password login with a local account [true]; off: only single sign-on (and API tokens).
LOCAL_LOGIN = env_bool("LOCAL_LOGIN", True)
# Single sign-on with OpenID Connect: OIDC_PROVIDERS names the providers (comma-separated,
# e.g. "rijk,provincie"); per name NAME the variables OIDC_NAME_ISSUER, OIDC_NAME_CLIENT_ID,
# OIDC_NAME_CLIENT_SECRET (required), OIDC_NAME_SCOPES ["openid email profile"],
# OIDC_NAME_ORGANISATION_CLAIM ["organisation"], OIDC_NAME_EMAIL_CLAIM ["email"] and
# OIDC_NAME_LABEL (the button: "Inloggen met ..."). A claim value reaches an organisation
# only through a mapping kept in the admin (accounts.OrganisationClaim).
OIDC_PROVIDERS = []
for _provider in env_list("OIDC_PROVIDERS"):
    _prefix = f"OIDC_{_provider.upper().replace('-', '_')}_"
    _missing = [
        _prefix + key
        for key in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET")
        if not os.environ.get(_prefix + key)
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"Single sign-on {_provider}: set {', '.join(_missing)}."
        )
    OIDC_PROVIDERS.append(
        {
            "name": _provider.lower(),
            "issuer": os.environ[_prefix + "ISSUER"].rstrip("/"),
            "client_id": os.environ[_prefix + "CLIENT_ID"],
            "client_secret": os.environ[_prefix + "CLIENT_SECRET"],
            "scopes": os.environ.get(_prefix + "SCOPES", "openid email profile"),
            "organisation_claim": os.environ.get(
                _prefix + "ORGANISATION_CLAIM", "organisation"
            ),
            "email_claim": os.environ.get(_prefix + "EMAIL_CLAIM", "email"),
            "label": os.environ.get(_prefix + "LABEL", _provider),
        }
    )
# Logging out after single sign-on posts the logout form and is redirected to the
# provider's end-session page: the browser allows that redirect only to origins named in
# the policy's form-action (the issuer's origin; its end-session endpoint lives there).
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += sorted(
    {"/".join(provider["issuer"].split("/")[:3]) for provider in OIDC_PROVIDERS}
)
# Seconds the discovery document of a provider is trusted before it is read again.
OIDC_METADATA_MAX_AGE = int(os.environ.get("OIDC_METADATA_MAX_AGE", "3600"))
# A second factor (TOTP app) for local accounts with a programme role, a ministry
# membership or staff rights [false].
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", False)
OTP_TOTP_ISSUER = "Doorbraak"
# Invitations to join an organisation stay valid this many days [7].
INVITATION_MAX_AGE_DAYS = int(os.environ.get("INVITATION_MAX_AGE_DAYS", "7"))
# Password reset: requests per address and per client address within the window [3, 10
# per hour]; a reset link is valid PASSWORD_RESET_TIMEOUT seconds [Django: 3 days; 1 h].
PASSWORD_RESET_PER_ADDRESS = int(os.environ.get("PASSWORD_RESET_PER_ADDRESS", "3"))
PASSWORD_RESET_PER_CLIENT = int(os.environ.get("PASSWORD_RESET_PER_CLIENT", "10"))
PASSWORD_RESET_WINDOW_SECONDS = int(
    os.environ.get("PASSWORD_RESET_WINDOW_SECONDS", "3600")
)
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", "3600"))
