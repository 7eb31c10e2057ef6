"""The password of a schedule's zip, kept encrypted (decision 0055): AES-256-GCM (pycryptodomex,
which pyzipper brings) under a key derived from REPORTS_ZIP_PASSWORD_KEY, or from SECRET_KEY when
that is not set. The task needs the password at every run, so a hash would not do; a database
dump or a history row alone does not give it away (the field is left out of the history)."""

import base64
import hashlib
import io
import secrets

from Cryptodome.Cipher import AES
from django.conf import settings

PREFIX = "aesgcm1:"
MIN_LENGTH = 10


class PasswordUnreadable(Exception):
    """The key changed since the password was set: the officer sets it again."""


def _key() -> bytes:
    secret = settings.REPORTS_ZIP_PASSWORD_KEY or settings.SECRET_KEY
    return hashlib.sha256(b"unioncore.reports.zip-password\0" + secret.encode()).digest()


def seal(password: str) -> str:
    nonce = secrets.token_bytes(12)
    cipher = AES.new(_key(), AES.MODE_GCM, nonce=nonce)
    sealed, tag = cipher.encrypt_and_digest(password.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + tag + sealed).decode()


def unseal(token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token.removeprefix(PREFIX).encode())
        nonce, tag, sealed = raw[:12], raw[12:28], raw[28:]
        return AES.new(_key(), AES.MODE_GCM, nonce=nonce).decrypt_and_verify(sealed, tag).decode()
    except (ValueError, KeyError) as error:
        raise PasswordUnreadable("The zip's password cannot be read (the key changed): set it again.") from error


def zipped(name: str, content: bytes, password: str) -> bytes:
    """`content` as the one file `name` of a zip encrypted with AES-256 (WinZip's AE-2: 7-Zip,
    WinZip and macOS's Archive Utility open it; Windows Explorer's own zip does not)."""
    import pyzipper

    target = io.BytesIO()
    with pyzipper.AESZipFile(target, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.writestr(name, content)
    return target.getvalue()
