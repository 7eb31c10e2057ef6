"""Production: secrets and hosts must come from the environment; `check --deploy` is clean."""

from .base import *  # noqa: F403
from .base import env, literal

DEBUG = False
SECRET_KEY = literal("SECRET_KEY")  # no default: refuse to start without one; read as written
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Never the console backend in production.
SMS_BACKEND = env("SMS_BACKEND", default="unioncore.notifications.sms.TwilioSmsBackend")
# Hashed, compressed static files (`manage.py collectstatic` at deploy), served by WhiteNoise.
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
