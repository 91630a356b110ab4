"""Settings shared by every environment, read from the environment with django-environ.

With nothing set the portal runs on an SQLite file, sends email to the console and runs
Celery tasks eagerly (no Redis needed). ``DATABASE_URL`` and ``REDIS_URL`` switch on
PostgreSQL and Redis; see the README's configuration table.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- The office this installation serves ("One office, configured" in DESIGN.md) -------
OFFICE_NAME = env(
    "OFFICE_NAME", default="Office of the Police and Crime Commissioner for Avon and Somerset"
)
OFFICE_SHORT_NAME = env("OFFICE_SHORT_NAME", default="Avon and Somerset OPCC")
OFFICE_AREA_NAME = env("OFFICE_AREA_NAME", default="Avon and Somerset")
SERVICE_NAME = env("SERVICE_NAME", default=f"{OFFICE_SHORT_NAME} commissioning")
OFFICE_ORG_ID = env("OFFICE_ORG_ID", default="GB-GOR-PC390")
OPEN_DATA_360G_PREFIX = env("OPEN_DATA_360G_PREFIX", default="360G-ASOPCC")
OCDS_OCID_PREFIX = env("OCDS_OCID_PREFIX", default="ocds-asopcc")
# The portal's own address, for links in emails and calendar feeds.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
OFFICE_CONTACT_EMAIL = env("OFFICE_CONTACT_EMAIL", default="commissioning@example.org")
# Over this annual value the strategy expects the procurement-service route.
PROCUREMENT_SERVICE_THRESHOLD = Decimal(env("PROCUREMENT_SERVICE_THRESHOLD", default="50000"))
# Contracts worth more than this over their whole life (and not light-touch) need at
# least three KPIs before they go live.
KPI_RULE_THRESHOLD = Decimal(env("KPI_RULE_THRESHOLD", default="5000000"))
# `manage.py load_demo` creates sign-ins whose password is in the README.
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=True)
# Awards over this amount need an approved funding-award decision.
DECISION_THRESHOLD = Decimal(env("DECISION_THRESHOLD", default="25000"))
# A monitoring return is due this many days after its period ends (per agreement, this
# is the default a new schedule starts with).
RETURN_DUE_DAYS = env.int("RETURN_DUE_DAYS", default=28)
# Spend this many per cent or more below the period's budget flags an underspend.
UNDERSPEND_TOLERANCE_PERCENT = Decimal(env("UNDERSPEND_TOLERANCE_PERCENT", default="10"))

# --- Applications ----------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "crispy_forms",
    "crispy_forms_gds",
    "django_filters",
    "simple_history",
    "django_celery_beat",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "commissioning",
    "audit",
    "workstreams",
    "decisions",
    "grants",
    "contracts",
    "monitoring",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "commissioning.sessions.SessionTimeoutMiddleware",
    "commissioning.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "commissioning.middleware_db.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "commissioning.urls"
WSGI_APPLICATION = "commissioning.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "commissioning.context_processors.portal",
            ],
        },
    },
]

# Widgets render through TEMPLATES, so templates/django/forms/ can replace Django's own
# (a select with its options inline: see templates/django/forms/widgets/select.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Expensive figures (list totals, the dashboard's funding) cached and renewed whenever a
# table under them changes (commissioning/freshness.py). Only with a cache every process
# shares: each process's own memory cache would not hear of the others' writes.
FRESH_CACHE = env.bool("FRESH_CACHE", default=bool(REDIS_URL))
FRESH_CACHE_TIMEOUT = env.int("FRESH_CACHE_TIMEOUT", default=60 * 60)
# Pages a person has seen, served to them again while nothing under them has changed
# (commissioning/pagecache.py); at most this long, for relative times ("3 days, 2 hours").
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", default=5 * 60)

# --- Users -----------------------------------------------------------------------------
AUTH_USER_MODEL = "commissioning.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {  # a larger bundled list (commissioning/data/README.md); no network call
        "NAME": "django.contrib.auth.password_validation.CommonPasswordValidator",
        "OPTIONS": {"password_list_path": BASE_DIR / "commissioning/data/common-passwords.txt.gz"},
    },
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# --- Email -----------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{SERVICE_NAME} <{OFFICE_CONTACT_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Language, dates and money ---------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

# --- Files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files live outside the web root and are served only through views that check
# permission; MEDIA_URL is deliberately not routed.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/uploads/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Forms -----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ("gds",)
CRISPY_TEMPLATE_PACK = "gds"
CRISPY_FAIL_SILENTLY = False
# The govuk-frontend version pinned in package.json, which crispy-forms-gds 2.0 targets.
CRISPY_GDS_FRONTEND_VERSION = "5.14.0"
# Widgets the pack does not style by default.
CRISPY_CLASS_CONVERTERS = {
    "urlinput": "govuk-input",
    "numberinput": "govuk-input",
    "telinput": "govuk-input",
    "dateinput": "govuk-input",
    "fileinput": "govuk-file-upload",
}

# --- Background work -------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic tasks. django-celery-beat's DatabaseScheduler copies these into its tables,
# where an administrator can see, pause or re-time them; later apps add their sweeps.
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "commissioning.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
    # A new opportunity's emails are queued when it is published; this sweep sends any
    # that were lost (each subscriber is emailed about an opportunity at most once).
    "announce-opportunities": {
        "task": "reports.announce_opportunities",
        "schedule": crontab(minute="*/15"),
    },
    # Monitoring reminders: the daily sweep, and a short one that sends again what a
    # dead worker or a lost message left unsent (monitoring/reminders.py).
    "send-reminders": {
        "task": "monitoring.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "resend-stuck-reminder-emails": {
        "task": "monitoring.resend_stuck_deliveries",
        "schedule": crontab(minute="*/15"),
    },
    # Active grants and live contracts that have no return schedule (imported ones,
    # say) are given one, before the morning's reminders.
    "sync-return-schedules": {
        "task": "monitoring.sync_return_schedules",
        "schedule": crontab(hour=2, minute=15),
    },
}
HEALTHZ_WORKER_TIMEOUT = env.float("HEALTHZ_WORKER_TIMEOUT", default=1.0)

# --- Logging ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Public pages and open data (reports app) ------------------------------------------
# The ONS code of the force area (a police force area code, E23…), given as the
# beneficiary location of grants that benefit the whole area. Blank: name only.
OPEN_DATA_FORCE_AREA_GEO_CODE = env("OPEN_DATA_FORCE_AREA_GEO_CODE", default="")

# --- Browser security headers and safe files (issue 10) -------------------------------
# Content Security Policy (django-csp 4): no inline script or style anywhere; the one
# script is static/js/portal.js. Reports rendered by WeasyPrint are not served pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# commissioning/middleware.py sets this on every response (blank: not sent).
PERMISSIONS_POLICY = env(
    "PERMISSIONS_POLICY",
    default=(
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), fullscreen=(), "
        "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
        "picture-in-picture=(), publickey-credentials-get=(self), screen-wake-lock=(), "
        "usb=(), xr-spatial-tracking=()"
    ),
)
# Uploads (commissioning/uploads.py): the zip-bomb guard for XLSX, DOCX, ODS and ODT.
UPLOAD_ZIP_MAX_ENTRIES = env.int("UPLOAD_ZIP_MAX_ENTRIES", default=2000)
UPLOAD_ZIP_MAX_BYTES = env.int("UPLOAD_ZIP_MAX_BYTES", default=200 * 1024 * 1024)
UPLOAD_ZIP_MAX_RATIO = env.int("UPLOAD_ZIP_MAX_RATIO", default=100)
# Entries smaller than this may compress as well as they like.
UPLOAD_ZIP_RATIO_FROM_BYTES = env.int("UPLOAD_ZIP_RATIO_FROM_BYTES", default=1024 * 1024)
# Optional virus scanning: a clamd socket path, or a host and port. Unset: no scan.
# Set but unreachable: uploads are refused until it answers.
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")
CLAMD_HOST = env("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.float("CLAMD_TIMEOUT", default=30.0)

# --- Crash-safe background work (issue 10) --------------------------------------------
# Set above: acks_late + reject_on_worker_lost (a task whose worker dies is delivered
# again), a time limit on every task (per task where one needs longer), prefetch 1.
# Emails are sent by tasks that retry with back-off and jitter, each at most once.
# PDF builds go to their own queue so a dedicated worker, restarted every few tasks
# (--max-tasks-per-child, see docker-compose.yml), takes WeasyPrint's memory; unset, the
# ordinary queue is used so a single `celery worker` runs everything (a laptop, tests).
CELERY_PDF_QUEUE = env("CELERY_PDF_QUEUE", default="celery")
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"reports.build_report_job": {"queue": CELERY_PDF_QUEUE}}
# A worker that loses Redis stops its running tasks rather than finishing them unacked
# (they are delivered again once Redis is back, and every task is safe to run twice).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# --- Authentication and sessions (issue 10) -------------------------------------------
# Sign-in: password, then a code from an authenticator app (django-otp TOTP) or a
# recovery code. Required for managers and administrators (and anyone with Django-admin
# access); offered to everyone else from their account page. commissioning/mfa.py.
AUTHENTICATION_BACKENDS = [
    "commissioning.views.accounts.LockoutBackend",  # django-axes
    "django.contrib.auth.backends.ModelBackend",
]
OTP_TOTP_ISSUER = SERVICE_NAME
MFA_RECOVERY_CODE_COUNT = 10
# Changing MFA or email needs the password entered within this many seconds.
REAUTHENTICATION_SECONDS = env.int("REAUTHENTICATION_SECONDS", default=5 * 60)
# Brute force (django-axes): an email address from one IP address is locked out after
# AXES_FAILURE_LIMIT failed sign-ins; an IP address after SIGN_IN_IP_FAILURE_LIMIT
# failures across any addresses; both for AXES_COOLOFF_TIME. Unknown addresses count
# the same as real ones, so neither the message nor the lock-out reveals which exist.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
SIGN_IN_IP_FAILURE_LIMIT = env.int("SIGN_IN_IP_FAILURE_LIMIT", default=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The sign-in form's field (the email address), as passed to authenticate().
AXES_USERNAME_FORM_FIELD = "username"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = True
# Sessions are rows in the database (signing out deletes the row). Signed out after
# SESSION_IDLE_TIMEOUT_* seconds without a request, and SESSION_ABSOLUTE_TIMEOUT after
# signing in whatever happens (commissioning/sessions.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT_STAFF = env.int("SESSION_IDLE_TIMEOUT_STAFF", default=30 * 60)
SESSION_IDLE_TIMEOUT_PROVIDER = env.int("SESSION_IDLE_TIMEOUT_PROVIDER", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT

# --- Audit log (issue 10) --------------------------------------------------------------
# Audit events older than this are deleted by the daily "prune-audit-log" task and by
# `manage.py prune_audit_log` (730 days: two years).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)
# How many reverse proxies we run in front of the portal. 0: the client's address is
# REMOTE_ADDR. 1 or more: it is read from X-Forwarded-For, that many hops from the right
# (the hops further left are written by the client and are not trusted).
AUDIT_TRUSTED_PROXIES = env.int("AUDIT_TRUSTED_PROXIES", default=0)
CELERY_BEAT_SCHEDULE["prune-audit-log"] = {
    "task": "audit.prune_events",
    "schedule": crontab(hour=3, minute=45),
}

# --- Benchmarks (issue 11) -------------------------------------------------------------
# benchmarks/load.py measures the framework's floor with a minimal view, routed only when
# this is on (benchmarks/settings.py); never in production.
BENCHMARK_FLOOR_VIEW = env.bool("BENCHMARK_FLOOR_VIEW", default=False)
