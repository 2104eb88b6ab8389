"""Aan tafel: live table sessions. `create_app()` builds the Flask app with its extensions."""

from pathlib import Path

from flask import Flask, Request, current_app, jsonify, make_response, render_template, request
from flask_babel import format_number
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from . import catalogues, config, media, ratelimit, security, wire
from .catalogues import LANGUAGES, select_locale
from .errors import DomainError
from .extensions import babel, csrf, db, socketio

ROOT = Path(__file__).resolve().parent.parent
# The forms that may carry a photo: the API's post, the phone's form, the table host's form.
PHOTO_ENDPOINTS = ("api.post_insight", "participant.post", "facilitator.host_photo")


class UploadRequest(Request):
    """A request whose body may be one photo where a photo is expected, and 64 KB elsewhere.

    Decided from the matched endpoint before anything reads the body (the CSRF check reads the
    form first), so a 16 MB upload is a 413 in the API's error shape and never fills memory.
    """

    @property
    def max_content_length(self) -> int | None:
        if (
            self._max_content_length is None
            and self.endpoint in PHOTO_ENDPOINTS
            and self.mimetype == "multipart/form-data"
        ):
            return media.MAX_BYTES + 256 * 1024  # the photo and the form's other fields
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def create_app(overrides: dict | None = None, *, migrations: bool = True) -> Flask:
    """The app. `migrations=False` for the serving worker, which never migrates (app.py's
    prepare step did): Flask-Migrate imports Alembic and Mako, 39 MB of a process otherwise."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.request_class = UploadRequest
    app.config.update(config.from_environment(app.instance_path))
    app.config.update(overrides or {})
    if "SESSION_COOKIE_SECURE" not in (overrides or {}):
        # Secure cookies whenever the public address is https (a test may override PUBLIC_URL).
        app.config["SESSION_COOKIE_SECURE"] = app.config["PUBLIC_URL"].startswith("https://")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])

    db.init_app(app)
    if migrations:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(ROOT / "migrations"))
    catalogues.compile_stale()  # before the first page: `python app.py` speaks Dutch too
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    # Import the socket handlers BEFORE init_app: Flask-SocketIO keeps handlers declared while it
    # has no server and registers them on every server init_app makes. Declared after, they would
    # bind to the first app's server only, and a second app in the same process (tests) would
    # accept every connection unchecked.
    from . import cli, realtime
    from .domain import changes

    # The domain reports its committed changes; the one publisher turns them into events.
    changes.subscribe(realtime.publish.publish)
    socketio.init_app(
        app,
        async_mode=async_mode(),
        message_queue=app.config["REDIS_URL"],
        channel=app.config["SOCKETIO_CHANNEL"],
        max_http_buffer_size=16 * 1024,
        # One client's events are handled one after another, never in parallel: a flooding
        # socket then holds at most one greenlet and one database connection, and cannot queue
        # a hundred handlers ahead of everyone else's posts (tests/test_abuse.py flood test).
        async_handlers=False,
        # PUBLIC_URL's origin and same-origin; any other Origin is refused, so a page on another
        # site cannot open a socket with a visitor's cookies (tests/test_abuse.py).
        cors_allowed_origins=security.socket_origin_check(
            app.config["PUBLIC_URL"], app.config.get("SOCKET_ORIGINS", ())
        ),
        # A dead phone is noticed within ~20 s, so the console's phone count stays honest.
        ping_interval=10,
        ping_timeout=10,
    )

    # Rate-limit budgets in Redis with the message queue: N processes share one budget.
    ratelimit.configure(app.config["REDIS_URL"], app.config["SOCKETIO_CHANNEL"])

    from .socketguard import SocketGuard

    SocketGuard(socketio.server, proxy_hops=app.config.get("PROXY_HOPS") or 0)
    # After the guard's WebSocket class: a frame that is not Engine.IO ("x") closes its connection
    # without a traceback.
    wire.install(socketio.server.eio)

    from .views import register_blueprints

    register_blueprints(app)
    cli.register(app)
    register_error_handlers(app)
    app.before_request(throttle_code_guessing)
    app.after_request(remember_known_code)
    app.after_request(security_headers)
    app.after_request(remember_language)
    app.context_processor(template_globals)
    # Numbers as the reader's language writes them (1.200 in Dutch, 1,200 in English).
    app.add_template_filter(format_number, "number")
    trust_proxy_headers(app)
    return app


def trust_proxy_headers(app: Flask) -> None:
    """Behind nginx, take the phone's address, scheme and host from the proxy's headers.

    Without it every phone seems to come from the proxy's address (one shared join budget) and
    cookies are not marked Secure. Wraps the Socket.IO middleware too; only when PROXY_HOPS is set,
    since the headers are trivially forged by a client talking to the app directly.
    """
    hops = app.config.get("PROXY_HOPS") or 0
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def async_mode() -> str:
    """gevent in app.py's worker (gunicorn's gevent worker patches it), else threads (tests, CLI)."""
    try:
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            return "gevent"
    except ImportError:
        pass
    return "threading"


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # One connection: under gevent, writers queue cooperatively instead of freezing in SQLite.
        return {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30}
    return {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True}


@event.listens_for(Engine, "connect")
def sqlite_pragmas(dbapi_connection, _record):
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "busy_timeout=5000",
        "synchronous=NORMAL",
        "foreign_keys=ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def remember_language(response):
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie(
            "lang",
            request.args["lang"],
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def looked_up_code() -> str | None:
    """The join code in this request's address (/j/<code>, /api/v1/sessions/<code>, ...)."""
    code = (request.view_args or {}).get("code")
    return security.normalise_join_code(code) if isinstance(code, str) else None


def throttle_code_guessing():
    """429 for codes this address has not used yet while it keeps asking for codes that do not exist."""
    code = looked_up_code()
    if code:
        ratelimit.code_guessing.check(ratelimit.client_address(), code)


def remember_known_code(response):
    code = looked_up_code()
    if code and (response.status_code < 400 or response.status_code in (401, 403, 409, 422)):
        ratelimit.code_guessing.found(ratelimit.client_address(), code)
    return response


def security_headers(response):
    frame_ancestors = current_app.config["FRAME_ANCESTORS"]
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-ancestors {frame_ancestors}",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def template_globals() -> dict:
    from flask_babel import get_locale

    from .realtime.rooms import EVENT_NAMES

    return {
        "current_language": str(get_locale() or "nl"),
        "LANGUAGES": LANGUAGES,
        "live_events": EVENT_NAMES,
    }


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path.endswith(".json"):  # also /p/<slug>.json
        return True
    return request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, extra: dict | None = None):
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message, **(extra or {})}})
    else:
        response = render_template("error.html", status=status, code=code, message=message)
    response = make_response(response, status)
    if extra and "retry_after" in extra:
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if error.code == "session_not_found":
            ratelimit.code_guessing.missed(ratelimit.client_address())
        return error_response(error.status, error.code, error.message, error.extra)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        return error_response(
            400,
            "csrf_failed",
            _(
                "This form has expired or did not come from this site. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        messages = {
            404: _("Nothing here. Check the address or the code on the screen."),
            405: _("This address does not accept that method."),
            413: _("That is too large to send."),
        }
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(error.code or 500, code, messages.get(error.code, error.description))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error")
        db.session.rollback()
        return error_response(500, "internal_error", _("Something went wrong on our side."))
