"""The app under test, built from one config: every test app differs from it only where it says."""

import atexit
import contextlib
import copy
import functools
import shutil
import tempfile
from pathlib import Path

from flask import Flask
from jinja2 import BytecodeCache

from .server import ORGANISER_TOKEN, fresh_database_url


class Compiled(BytecodeCache):
    """Compiled templates kept in memory, shared by every app of the test run."""

    def __init__(self):
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.codes:
            bucket.bytecode_from_string(self.codes[bucket.key])

    def dump_bytecode(self, bucket):
        self.codes[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = Compiled()


def app_config(folder: Path, **overrides) -> dict:
    """The test config: a fresh database in `folder`, a fixed organiser token, no Redis, no CSRF."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": fresh_database_url(folder),
        "PUBLIC_URL": "http://aantafel.test",
        "ORGANISER_TOKEN": ORGANISER_TOKEN,
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        "MEDIA_DIR": str(folder / "media"),  # photos of this test only, never the repo's instance/
        **overrides,
    }


def make_app(folder: Path, migrate: bool = True, **overrides) -> Flask:
    """An app on `app_config(folder, **overrides)`, its database migrated as `python app.py` does.

    On SQLite the migrated database is a copy of one migrated once per test run: running the
    migrations for each of some 400 in-process tests took most of their time (130 s -> 25 s).
    """
    from flask_migrate import upgrade

    from workshop import create_app

    config = app_config(folder, **overrides)
    sqlite_file = config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    copied = migrate and sqlite_file != config["SQLALCHEMY_DATABASE_URI"]
    if copied:
        shutil.copyfile(migrated_template(), sqlite_file)
    app = create_app(config)
    # Each app has a Jinja environment of its own; compiling every template again for each of
    # some 400 test apps was a third of the in-process tests' time.
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    if migrate and not copied:
        with app.app_context():
            upgrade()
    if copied:
        share_sqlite_engine_state(app)
    return app


SHARED_DIALECT: list = []


def share_sqlite_engine_state(app: Flask) -> None:
    """Test apps on SQLite: no fsync, and SQL compiled once per test run instead of once per app.

    Each app has its own engine, and SQLAlchemy caches compiled statements per engine (keyed by
    its dialect): every test compiled every statement again, a tenth of the in-process tests'
    time. The test apps' engines are alike but for the file, so they share the first one's
    dialect and statement cache. A test database is thrown away: it need not survive a crash.
    """
    from sqlalchemy import event

    from workshop.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def no_fsync(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    if not SHARED_DIALECT:
        SHARED_DIALECT.append((engine.dialect, engine._compiled_cache))
    engine.dialect, engine._compiled_cache = SHARED_DIALECT[0]


@functools.cache
def migrated_template() -> Path:
    """An empty SQLite database with every migration applied, made once per process."""
    from flask_migrate import upgrade

    from workshop import create_app

    path = Path(tempfile.mkdtemp(prefix="aantafel-template-")) / "migrated.sqlite3"
    app = create_app(app_config(path.parent, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
    dispose(app)
    atexit.register(shutil.rmtree, path.parent, ignore_errors=True)
    return path


def dispose(app: Flask) -> None:
    from workshop.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def share_url_builders() -> None:
    """Compile each URL rule's builder once per test run instead of once per test app.

    werkzeug compiles two Python functions per rule when an app registers it (150 rules: about
    50 ms per app). A builder depends only on the rule's text, defaults and converters, and takes
    the rule itself as its first argument, so apps with the same rules can share it.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    built = {}

    def shared(rule, append_unknown=True):
        key = (
            rule.rule,
            rule.subdomain,
            rule.host,
            rule.merge_slashes,
            tuple(sorted(rule.defaults or ())),
            tuple(sorted((name, type(c).__name__) for name, c in rule._converters.items())),
            append_unknown,
        )
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    Rule._compile_builder = shared


SNAPSHOTS: dict[str, tuple[Path, object]] = {}


def snapshot(app: Flask, name: str, build):
    """What `build()` returns, with the data it made: built once per test run, copied after.

    For fixtures that make a whole world through the API before each of many tests (the
    authorization matrix, the hostile-input targets): the first test builds it and keeps a copy
    of its SQLite database; every later test gets that copy in its own fresh database, and the
    same answer. On PostgreSQL it is built for every test. Rate-limit budgets start full either
    way, as in a test of its own.
    """
    import sqlite3

    from workshop.extensions import db
    from workshop.ratelimit import reset_all

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        answer = build()
    else:
        database = url.removeprefix("sqlite:///")
        with app.app_context():
            db.session.remove()
        if name in SNAPSHOTS:
            kept, answer = SNAPSHOTS[name]
            source, target = sqlite3.connect(kept), sqlite3.connect(database)
        else:
            answer = build()
            folder = Path(tempfile.mkdtemp(prefix="aantafel-snapshot-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            SNAPSHOTS[name] = folder / "snapshot.sqlite3", answer
            source, target = sqlite3.connect(database), sqlite3.connect(SNAPSHOTS[name][0])
        with source, target:
            source.backup(target)
        source.close()
        target.close()
    reset_all()
    return copy.deepcopy(answer)  # a test may change its own


@contextlib.contextmanager
def restored_app(folder: Path, backup: bytes):
    """A fresh app in `folder` with `backup` (a JSON export) imported by `flask import-json`;
    the body runs in its app context."""
    path = folder / "backup.json"
    path.write_bytes(backup)
    (folder / "fresh").mkdir()
    fresh = make_app(folder / "fresh")
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["import-json", str(path)])
        assert result.exit_code == 0, result.output
        yield fresh
