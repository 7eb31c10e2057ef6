"""Settings shared by every environment; everything that differs comes from the environment."""

import os
from datetime import date, timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def literal(name: str, default: str | None = None) -> str:
    """An environment variable exactly as written. django-environ reads a value starting with
    `$` as the name of another variable (a random key starting with `$` was looked up as one, and
    the error printed most of the key); a secret is taken literally, and an error names only the
    variable."""
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return default
    return value


SECRET_KEY = literal("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, pinned and served from here (no CDN)
    "csp",
    "django_filters",
    "simple_history",
    "phonenumber_field",
    "unioncore",
    "unioncore.notifications",  # the outbox (kernel): every app's messages
    "members",
    "referral",
    "dispatch",
    "fulfillment",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every page (console, portal, schema UI): below.
    "csp.middleware.CSPMiddleware",
    # Static files (the admin's, the portal's CSS and vendored JS) from the app process.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Makes the request (and so its user) visible to the history records written during it.
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "unioncore.urls"
WSGI_APPLICATION = "unioncore.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'unioncore.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Production: the app signs in as a role that owns nothing and may only read and write rows;
# `manage.py migrate` (and `app_role`) sign in as the tables' owner given here, same database
# (decision 0039). Unset: one role does everything (make run, the tests).
MIGRATE_DATABASE_URL = env("MIGRATE_DATABASE_URL", default="")
# Each worker thread keeps its connection between requests: opening one costs about as much as
# serving a page of time logs (decision 0022). Checked before reuse, so a restarted database is
# a reconnect, not an error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "unioncore.User"
AUTHENTICATION_BACKENDS = ["unioncore.auth.LockingModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Seed rule: 5 failed logins within 15 minutes lock the account for 15 minutes.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_MINUTES = env.int("LOGIN_FAILURE_WINDOW_MINUTES", default=15)
LOGIN_LOCK_MINUTES = env.int("LOGIN_LOCK_MINUTES", default=15)
# Portal magic links (docs/decisions/0017): valid this long, once. At most
# LOGIN_LINKS_PER_ADDRESS links are sent to requests from one client address (an IPv6 /64)
# within that lifetime, whatever the accounts; a link is deleted LOGIN_LINK_KEEP_DAYS after it
# expired, its history kept (unioncore.tasks.prune_login_links; docs/decisions/0025).
LOGIN_LINK_MINUTES = env.int("LOGIN_LINK_MINUTES", default=15)
LOGIN_LINKS_PER_ADDRESS = env.int("LOGIN_LINKS_PER_ADDRESS", default=10)
# Per client address (docs/decisions/0038): after LOGIN_FAILURES_PER_ADDRESS failed password
# logins within LOGIN_FAILURE_WINDOW_MINUTES, every password login from that address (console,
# portal, API) is refused until the window ends; at most LOGIN_LINK_REQUESTS_PER_ADDRESS
# sign-in link requests (sent or not) per link lifetime.
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_LINK_REQUESTS_PER_ADDRESS = env.int("LOGIN_LINK_REQUESTS_PER_ADDRESS", default=30)
LOGIN_LINK_KEEP_DAYS = env.int("LOGIN_LINK_KEEP_DAYS", default=90)

# The hall's referral settings. The 2024 procedure treats a quit and a discharge alike; the seed's
# suspension of referral after a second discharge for cause within 12 months is kept as the
# hall's choice, off unless it turns it on (decision 0034).
SECOND_DISCHARGE_SUSPENSION = env.bool("SECOND_DISCHARGE_SUSPENSION", default=False)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"  # display; everything is stored and compared in UTC
USE_I18N = True
USE_TZ = True

PHONENUMBER_DEFAULT_REGION = "US"
PHONENUMBER_DB_FORMAT = "E164"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Reports (reports/): above these many rows an Excel file / a PDF is built in the background;
# no export may be larger than REPORTS_MAX_EXPORT_ROWS. A background export's file is deleted
# REPORTS_EXPORT_KEEP_DAYS after it was built; a build silent (no progress) for
# REPORTS_EXPORT_STALE_MINUTES is shown as failed (reports.tasks.sweep_exports).
REPORTS_SYNC_MAX_ROWS = env.int("REPORTS_SYNC_MAX_ROWS", default=5000)
REPORTS_SYNC_MAX_PDF_ROWS = env.int("REPORTS_SYNC_MAX_PDF_ROWS", default=2000)
REPORTS_MAX_EXPORT_ROWS = env.int("REPORTS_MAX_EXPORT_ROWS", default=1_000_000)
REPORTS_LOCAL_NAME = env("REPORTS_LOCAL_NAME", default="IBEW Local 46")
REPORTS_EXPORT_KEEP_DAYS = env.int("REPORTS_EXPORT_KEEP_DAYS", default=7)
REPORTS_EXPORT_STALE_MINUTES = env.int("REPORTS_EXPORT_STALE_MINUTES", default=30)
# Scheduled reports (decision 0055): the largest file emailed (a bigger one is a failed run that
# says so), and the key the zips' passwords are encrypted under (blank: derived from SECRET_KEY;
# changing it makes officers set the passwords again).
REPORTS_SCHEDULE_MAX_BYTES = env.int("REPORTS_SCHEDULE_MAX_BYTES", default=15 * 1024 * 1024)
REPORTS_ZIP_PASSWORD_KEY = env("REPORTS_ZIP_PASSWORD_KEY", default="")
# The admin page's LaborPower uploads (stored under MEDIA_ROOT/laborpower/ for the import task).
LABORPOWER_UPLOAD_MAX_BYTES = env.int("LABORPOWER_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# What one LaborPower file may hold (decision 0039): a file beyond is refused, the limit named.
LABORPOWER_IMPORT_MAX_COLUMNS = env.int("LABORPOWER_IMPORT_MAX_COLUMNS", default=200)
LABORPOWER_IMPORT_MAX_FIELD_CHARS = env.int("LABORPOWER_IMPORT_MAX_FIELD_CHARS", default=4000)
LABORPOWER_IMPORT_MAX_ROWS = env.int("LABORPOWER_IMPORT_MAX_ROWS", default=1_000_000)
# A LaborPower dry run or import silent this long lost its worker (unioncore.tasks.sweep_import_jobs).
LABORPOWER_IMPORT_STALE_MINUTES = env.int("LABORPOWER_IMPORT_STALE_MINUTES", default=30)
# Time logs, the hall's settings (decision 0036): a member's manual entry longer than this needs
# an officer; the kiosk asks to confirm a "Stop shift" under this many minutes; a project photo
# is at most this many bytes (JPEG, PNG, WebP or HEIF, checked by Pillow).
TIMELOG_MANUAL_MAX_HOURS = env.int("TIMELOG_MANUAL_MAX_HOURS", default=16)
TIMELOG_SHORT_SHIFT_MINUTES = env.int("TIMELOG_SHORT_SHIFT_MINUTES", default=15)
TIMELOG_PHOTO_MAX_BYTES = env.int("TIMELOG_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)

# Plausible dates (decision 0037): an imported date or a report's filter outside them is the
# row's error / a form error. From PLAUSIBLE_DATES_FROM to PLAUSIBLE_DAYS_AHEAD days after today
# for what happened or is booked (a registration, a re-sign, a ledger posting, a dispatch), to
# PLAUSIBLE_YEARS_AHEAD years after today for an end or an expiry (an exemption, a bond) and a
# report's dates.
PLAUSIBLE_DATES_FROM = date.fromisoformat(env("PLAUSIBLE_DATES_FROM", default="1900-01-01"))
PLAUSIBLE_DAYS_AHEAD = env.int("PLAUSIBLE_DAYS_AHEAD", default=366)
PLAUSIBLE_YEARS_AHEAD = env.int("PLAUSIBLE_YEARS_AHEAD", default=10)

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when REDIS_URL is set, else a file-system transport that needs no server.
CELERY_DIR = BASE_DIR / "var" / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=f"file://{CELERY_DIR / 'results'}")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "processed_folder": str(CELERY_DIR / "processed"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
# Nothing reads a task's return value (jobs report progress in their own rows): with results
# kept, every `.delay()` from a web process also subscribed it to the task's result channel in
# Redis — a round trip per clock-in and subscriptions piling up in long-lived workers.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The periodic jobs live in code so that every deployment runs the same schedule; exactly one
# beat process runs, and each task is safe to run twice.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "members-expire-exemptions": {
        "task": "members.tasks.expire_exemptions",
        "schedule": crontab(hour=0, minute=15),
        "options": {"expires": 3600},
    },
    # After the exemption expiry above; the task itself skips weekends and holidays.
    "dispatch-expire-job-requests": {
        "task": "dispatch.tasks.expire_job_requests",
        "schedule": crontab(hour=0, minute=45),
        "options": {"expires": 3600},
    },
    # The 2024 procedure (rule 2): requests left unfilled by the morning referral, to the officers.
    "dispatch-notify-unfilled-requests": {
        "task": "dispatch.tasks.notify_unfilled_requests",
        "schedule": crontab(hour=10, minute=0, day_of_week="mon-fri"),
        "options": {"expires": 3600},
    },
    # The 2024 procedure (rule 3): registrations held until the Inside Wireperson Book 1 referral
    # is complete are processed at 10:00 if no dispatcher marked it complete (skips holidays).
    "referral-complete-morning-referral": {
        "task": "referral.tasks.complete_morning_referral",
        "schedule": crontab(hour=10, minute=0, day_of_week="mon-fri"),
        "options": {"expires": 3600},
    },
    # The 2024 procedure (rule 7): check in with the employer by 3 PM of the dispatch day.
    "dispatch-roll-off-no-shows": {
        "task": "dispatch.tasks.roll_off_no_shows",
        "schedule": crontab(hour=15, minute=0),
        "options": {"expires": 3600},
    },
    "fulfillment-sweep-auto-approvals": {
        "task": "fulfillment.tasks.sweep_auto_approvals",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "referral-daily-book-maintenance": {
        "task": "referral.tasks.daily_book_maintenance",
        "schedule": crontab(hour=0, minute=30),
        "options": {"expires": 3 * 3600},
    },
    # Members told their re-sign window is open, and 3 days before the roll-off (after the quiet hours).
    "referral-re-sign-reminders": {
        "task": "referral.tasks.re_sign_reminders",
        "schedule": crontab(hour=7, minute=30),
        "options": {"expires": 3 * 3600},
    },
    # Members dispatched today and not checked in by 1 PM: check in by 3 PM or be rolled off.
    "dispatch-warn-no-shows": {
        "task": "dispatch.tasks.warn_no_shows",
        "schedule": crontab(hour=13, minute=0),
        "options": {"expires": 3600},
    },
    # Deletes export files past REPORTS_EXPORT_KEEP_DAYS, fails exports whose worker went silent.
    "reports-sweep-exports": {
        "task": "reports.tasks.sweep_exports",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Emails the saved reports whose schedule is due (daily or weekly, at a time of the hall's day).
    "reports-run-schedules": {
        "task": "reports.tasks.run_report_schedules",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Fails LaborPower imports whose worker went silent (nothing written; confirm them again).
    "unioncore-sweep-import-jobs": {
        "task": "unioncore.tasks.sweep_import_jobs",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Deletes sign-in links expired more than LOGIN_LINK_KEEP_DAYS ago (their history stays).
    "unioncore-prune-login-links": {
        "task": "unioncore.tasks.prune_login_links",
        "schedule": crontab(hour=1, minute=15),
        "options": {"expires": 3600},
    },
}

# The proxies in front of the web processes that append the client to X-Forwarded-For (one
# nginx or load balancer: 1). 0: the client is REMOTE_ADDR and X-Forwarded-For, which anyone
# can write, is never read. Read by the API throttles and the per-address limit of sign-in
# links (unioncore.portal.views.client_address), so a visitor cannot pick their own address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

REST_FRAMEWORK = {
    "NUM_PROXIES": NUM_PROXIES,
    # The phone app sends `Authorization: Token <key>` (knox: one hashed, expiring token per
    # device); the session stays for the browsable schema UI of a logged-in staff user.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "unioncore.api.authentication.TokenAuthentication",  # knox's, in one query
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["unioncore.api.parsers.JSONParser"],  # depth, NUL, NaN refused (400)
    "DEFAULT_PAGINATION_CLASS": "unioncore.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "unioncore.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "unioncore.api.schema.AutoSchema",
    # Scoped throttles use the default cache (Redis outside a bare dev setup).
    "DEFAULT_THROTTLE_RATES": {
        "login": env("API_THROTTLE_LOGIN", default="10/min"),
        "write": env("API_THROTTLE_WRITE", default="120/min"),
    },
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": None,
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "UnionCore phone API",
    "DESCRIPTION": "The contract the phone app is built against (SPEC §9). "
    'Errors are `{"error": {"code", "message", "fields"?}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's pinned copy, served as our static files: it works
    # on the hall's offline network and nothing is loaded from a CDN (issue 20).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set, for a generated client (issue 21).
    "ENUM_NAME_OVERRIDES": {
        "TimeLogStatusEnum": "fulfillment.enums.TimeLogStatus",
        "SyncedStatusEnum": ["synced"],
    },
    # Every status an operation can answer, with the one error component (issue 21).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "unioncore.api.schema.declare_error_responses",
    ],
}

# Content-Security-Policy (django-csp, decision 0038): scripts, styles, images, fonts and requests
# only from this site; the few inline <script>/<style> blocks carry the request's nonce
# (`request.csp_nonce`), none carry style attributes or handlers. No framing, no plugins, forms
# post here only.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],  # the admin's and Swagger UI's icons are data: URLs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="UnionCore <no-reply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
SIMPLE_HISTORY_REVERT_DISABLED = True  # reverts would skip the services (see unioncore.admin_actions.HistoryAdmin)

# Notifications (unioncore.notifications): the SMS backend (a dotted path to a class of
# unioncore.notifications.sms: ConsoleSmsBackend, InMemorySmsBackend for tests, TwilioSmsBackend
# in production) and the site's address for the signed deep links in messages.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
SMS_BACKEND = env("SMS_BACKEND", default="unioncore.notifications.sms.ConsoleSmsBackend")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
# Quiet hours, hall time: a message that is not critical, written from SMS_QUIET_FROM on, waits
# until SMS_QUIET_UNTIL (decision 0045). Equal times: no quiet hours.
SMS_QUIET_FROM = env("SMS_QUIET_FROM", default="21:00")
SMS_QUIET_UNTIL = env("SMS_QUIET_UNTIL", default="07:00")
# The SMS provider's inbound webhook (STOP / START) answers only at /sms/inbound/?key=<this>;
# empty: the webhook is off.
SMS_WEBHOOK_SECRET = env("SMS_WEBHOOK_SECRET", default="")
# Time logs the auto-approval sweep approves per transaction (fulfillment.tasks). A batch costs the
# same few statements whatever its size; its rows stay locked well under a second (decision 0062).
AUTO_APPROVAL_BATCH = env.int("AUTO_APPROVAL_BATCH", default=1000)
# The outbox's rows whose task was lost (broker down at commit) are queued again.
CELERY_BEAT_SCHEDULE["notifications-requeue-pending"] = {
    "task": "notifications.requeue_pending",
    "schedule": 60.0,
    "options": {"expires": 50},
}
CELERY_BEAT_SCHEDULE["fulfillment-run-escalations"] = {
    "task": "fulfillment.tasks.run_escalations",
    "schedule": 60.0,
    "options": {"expires": 50},
}
