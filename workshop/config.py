"""Settings from the environment, each with a default that works on a laptop at a venue."""

import os
import secrets
import socket
from pathlib import Path


def lan_address() -> str:
    """Guess the address phones on the same network reach this machine at."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(
                ("10.255.255.255", 1)
            )  # no packet is sent: UDP connect only picks a route
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class ConfigError(RuntimeError):
    """A setting that makes starting unsafe; app.py prints the message and exits."""


def instance_secret(instance_path: str, name: str) -> str:
    """Read a secret kept in the instance folder, generating it on first use.

    The file is created readable by its owner only (never briefly world-readable), and a
    concurrent first start keeps whichever process wrote first.
    """
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


ENVIRONMENTS = ("development", "production")
MIN_TOKEN_LENGTH = 32  # 32 hex digits are 128 bits, the floor for every credential
MIN_TOKEN_DISTINCT = 10


def environment(env) -> str:
    """AANTAFEL_ENV, normalised ("Production " is production); unset is development.

    An unknown value is refused: a typo must not silently skip the production checks.
    """
    value = env.get("AANTAFEL_ENV", "").strip().lower() or "development"
    if value not in ENVIRONMENTS:
        raise ConfigError(
            f"AANTAFEL_ENV={env.get('AANTAFEL_ENV')!r} is not known: use "
            + " or ".join(ENVIRONMENTS)
            + " (or leave it unset for development)."
        )
    return value


def token_weakness(token: str) -> str | None:
    """Why a token set by hand is too easy to guess, or None when it is long and varied enough."""
    if len(token) < MIN_TOKEN_LENGTH:
        return f"length {len(token)}; at least {MIN_TOKEN_LENGTH} characters are needed"
    if len(set(token)) < MIN_TOKEN_DISTINCT:
        return f"only {len(set(token))} different characters; at least {MIN_TOKEN_DISTINCT}"
    return None


def from_environment(instance_path: str, env=os.environ) -> dict:
    """Build the Flask config mapping from environment variables (docs/DEPLOYMENT.md)."""
    port = int(env.get("PORT", "5000"))
    database_url = env.get("DATABASE_URL") or (
        f"sqlite:///{Path(instance_path) / 'aantafel.sqlite3'}"
    )
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    production = environment(env) == "production"
    secret_key = env.get("SECRET_KEY")
    if production and len(secret_key or "") < 16:
        raise ConfigError(
            ("SECRET_KEY is too short" if secret_key else "SECRET_KEY is not set")
            + ": with AANTAFEL_ENV=production set it to a long random value, e.g. "
            "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if not secret_key:
        secret_key = instance_secret(instance_path, "secret_key")
    organiser_token = env.get("ORGANISER_TOKEN")
    if production and organiser_token and (weakness := token_weakness(organiser_token)):
        raise ConfigError(
            f"ORGANISER_TOKEN is too weak ({weakness}): with AANTAFEL_ENV=production set it to a "
            "long random value, e.g. "
            "ORGANISER_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    public_url = (env.get("PUBLIC_URL") or f"http://{lan_address()}:{port}").rstrip("/")
    secure_cookies = public_url.startswith("https://")
    return {
        "HOST": env.get("HOST", "0.0.0.0"),
        "PORT": port,
        "PUBLIC_URL": public_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": secret_key,
        "ORGANISER_TOKEN": organiser_token or instance_secret(instance_path, "organiser_token"),
        # Whether the token was generated (and may be printed for the person setting up a laptop).
        "ORGANISER_TOKEN_GENERATED": not organiser_token,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "SOCKETIO_CHANNEL": env.get("SOCKETIO_CHANNEL", "aantafel"),
        # Proxies in front (nginx: 1) whose X-Forwarded-For/-Proto/-Host are trusted, so limits per
        # address see the phone's address and not the proxy's (docs/DEPLOYMENT.md). TRUSTED_PROXIES
        # is its former name, still read.
        "PROXY_HOPS": int(env.get("PROXY_HOPS") or env.get("TRUSTED_PROXIES") or "0"),
        "PRODUCTION": production,
        "FRAME_ANCESTORS": env.get("FRAME_ANCESTORS", "'none'"),
        "MAX_CONTENT_LENGTH": 64 * 1024,  # photo uploads get more (views/photos.py)
        # Where uploaded photos are kept (default: the instance folder's media/, never static/).
        "MEDIA_DIR": env.get("MEDIA_DIR") or None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": secure_cookies,
        # Origins besides PUBLIC_URL (and same-origin) allowed to open a Socket.IO connection.
        "SOCKET_ORIGINS": [o for o in env.get("SOCKET_ORIGINS", "").split(",") if o.strip()],
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
    }
