"""The secret key (docs/operations.md, "Secret key"). There is no public key: the key is ``SECRET_KEY`` from the
environment, or the instance's own key, generated on first start.

The rule: without ``SECRET_KEY``, a process that serves nothing beyond this machine -- embedded mode or DEBUG on,
and not a web server listening beyond loopback -- uses the instance's key, ``<AQUAMIND_VAR_DIR>/secret_key``:
written once with random bytes and mode 0600, read again by every later process (management commands,
``runserver`` on 127.0.0.1, the tests). Every other process refuses to start without ``SECRET_KEY``: production
mode with DEBUG off (any command), any WSGI/ASGI server such as gunicorn (the image's web role), and
``runserver`` on a non-loopback address. A key that is set, or read from the file, must be strong.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_FILE = "secret_key"
MIN_LENGTH = 50
# keys once published (earlier development defaults): a deployment that copied one is refused
PUBLIC_KEYS = frozenset(
    {
        "dev-only-insecure-key-set-SECRET_KEY-in-production",
        "dev-only-insecure-key-for-compose-yaml-never-in-production",
    }
)
# servers whose processes load the settings; they may listen anywhere, so they never use the generated key
SERVERS = frozenset({"gunicorn", "uwsgi", "uvicorn", "daphne", "hypercorn", "waitress-serve"})
_RUNSERVER_OPTIONS_WITH_VALUE = frozenset({"--settings", "--pythonpath", "-v", "--verbosity"})
NEW_KEY_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def strong_key(value: str, *, source: str = "SECRET_KEY") -> str:
    """``value`` when it is at least 50 characters with at least 5 different ones and no published key
    (Django's own test for a strong key, security.W009); otherwise ImproperlyConfigured naming ``source``."""
    if value in PUBLIC_KEYS or value.startswith("django-insecure-"):
        raise ImproperlyConfigured(f"{source} is a public development key: set a random one, e.g. from {NEW_KEY_HINT}")
    if len(value) < MIN_LENGTH or len(set(value)) < 5:
        raise ImproperlyConfigured(
            f"{source} is too weak ({len(value)} characters): it needs at least {MIN_LENGTH}, random"
        )
    return value


def serves_beyond_loopback(argv: list[str]) -> bool:
    """Whether this process (its ``sys.argv``) is a web server that may answer other machines: a WSGI/ASGI
    server (any bind address: it is where deployments listen) or ``runserver`` on a non-loopback address."""
    if not argv:
        return False
    program = Path(argv[0])
    if program.name in SERVERS or (program.name == "__main__.py" and program.parent.name in SERVERS):
        return True
    if len(argv) < 2 or argv[1] != "runserver":
        return False
    return not _is_loopback(_runserver_host(argv[2:]))


def _runserver_host(arguments: list[str]) -> str:
    """The address ``manage.py runserver`` binds (Django's default: 127.0.0.1, or ::1 with -6)."""
    ipv6 = any(argument in ("-6", "--ipv6") for argument in arguments)
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in _RUNSERVER_OPTIONS_WITH_VALUE:
            skip = True
        elif not argument.startswith("-"):
            if argument.isdigit():  # a port alone
                break
            host = argument.rsplit(":", 1)[0] if not argument.startswith("[") else argument[1:].split("]", 1)[0]
            return "0.0.0.0" if host == "0" else host  # Django reads "0" as 0.0.0.0
    return "::1" if ipv6 else "127.0.0.1"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


def generated_key(var_dir: Path) -> str:
    """The instance's key in ``var_dir/secret_key``: created on first call (random, mode 0600), read after.
    Two processes starting at once agree on one key: the file appears whole, and only once (a hard link)."""
    path = var_dir / KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        draft = var_dir / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(descriptor, 0o600)  # whatever the umask
            os.write(descriptor, (secrets.token_urlsafe(50) + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(draft, path)  # never replaces a key another process published first
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ImproperlyConfigured(f"{path} can be read by others (mode {mode:o}): chmod 600 it, or set SECRET_KEY")
    return strong_key(path.read_text().strip(), source=str(path))


def secret_key(value: str, *, production: bool, debug: bool, var_dir: Path, argv: list[str]) -> tuple[str, str]:
    """The key this process uses and where it came from (``"environment"`` or ``"generated"``), by the rule
    of the module's docstring; ImproperlyConfigured naming SECRET_KEY when the process may not start."""
    if value:
        return strong_key(value), "environment"
    if production and not debug:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set: production mode needs a random key of at least {MIN_LENGTH} characters, "
            f"e.g. from {NEW_KEY_HINT}"
        )
    if serves_beyond_loopback(argv):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: a server that listens beyond this machine (gunicorn, the image, runserver on a "
            f"non-loopback address) needs a random key of at least {MIN_LENGTH} characters, e.g. from {NEW_KEY_HINT}"
        )
    return generated_key(var_dir), "generated"
