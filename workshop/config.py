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


def instance_secret(instance_path: str, name: str) -> str:
    """Read a secret kept in the instance folder, generating it on first use."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_path: str, env=os.environ) -> dict:
    """Build the Flask config mapping from environment variables (DESIGN.md section 9)."""
    port = int(env.get("PORT", "5000"))
    database_url = env.get("DATABASE_URL") or (
        f"sqlite:///{Path(instance_path) / 'aantafel.sqlite3'}"
    )
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    production = env.get("AANTAFEL_ENV", "").lower() == "production"
    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise RuntimeError(
                "SECRET_KEY must be set when AANTAFEL_ENV=production "
                "(e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))'))."
            )
        secret_key = instance_secret(instance_path, "secret_key")
    return {
        "HOST": env.get("HOST", "0.0.0.0"),
        "PORT": port,
        "PUBLIC_URL": (env.get("PUBLIC_URL") or f"http://{lan_address()}:{port}").rstrip("/"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": secret_key,
        "ORGANISER_TOKEN": env.get("ORGANISER_TOKEN")
        or instance_secret(instance_path, "organiser_token"),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "SOCKETIO_CHANNEL": env.get("SOCKETIO_CHANNEL", "aantafel"),
        # Proxies in front (nginx: 1) whose X-Forwarded-For/-Proto/-Host are trusted (docs/DEPLOYMENT.md).
        "PROXY_HOPS": int(env.get("PROXY_HOPS", "0")),
        "PRODUCTION": production,
        "FRAME_ANCESTORS": env.get("FRAME_ANCESTORS", "'none'"),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": env.get("PUBLIC_URL", "").startswith("https://"),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
    }
