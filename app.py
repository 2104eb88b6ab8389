"""Entry point: `python app.py` prepares the database, then serves HTTP and Socket.IO with gevent.

Start-up takes three processes, so that the one that serves holds only what serving needs:

1. a short-lived child (`python app.py --prepare`) checks the settings, runs the migrations and,
   on a first start, creates the demo session and prints the links; Alembic stays in it;
2. gunicorn's master, which imports nothing of the app;
3. gunicorn's one gevent worker, which builds the app and serves.

A master that had built the app before forking kept 88 MB of the 244 MB the server took with
1,000 phones (PSS): pages the worker had since copied, held twice (docs/BENCHMARKS.md).
"""

import gc
import os
import subprocess
import sys

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    """gunicorn's gevent worker, started from here: answers WebSocket closes at once."""

    def load_config(self):
        # The same defaults as workshop/config.py, read here so the master never imports the app.
        host, port = os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "5000"))
        self.cfg.set("bind", f"{host}:{port}")
        self.cfg.set("worker_class", "gevent")
        self.cfg.set("workers", 1)
        # Every socket is a connection of the worker, authenticated or not. An idle WebSocket costs
        # about 85 KB (2,500 idle walls: +212 MB, docs/SECURITY.md), so 6,000 stay near 0.5 GB;
        # one address may hold at most half of them (workshop/socketguard.py OPEN_PER_ADDRESS).
        self.cfg.set("worker_connections", int(os.environ.get("WORKER_CONNECTIONS", "6000")))
        self.cfg.set("timeout", 60)
        self.cfg.set("graceful_timeout", 5)
        self.cfg.set("accesslog", os.environ.get("ACCESS_LOG") or None)
        # gunicorn 27 opens a control socket at one fixed path (~/.gunicorn/gunicorn.ctl); several
        # processes on one machine (scale-out, tests, benchmarks) would fight over it, and the app
        # does not use gunicornc. Off.
        self.cfg.set("control_socket_disable", True)

    def load(self):
        """In the worker, after gunicorn's gevent worker has monkey-patched it."""
        from workshop import create_app
        from workshop.openfiles import raise_open_file_limit

        raise_open_file_limit()  # every connected phone is a file descriptor
        app = create_app(migrations=False)
        # What is built so far lives as long as the process: kept out of the collector's sight, a
        # full collection walks only what serving allocates. With 1,000 phones its longest pause
        # went from 110 to 53 ms, a pause every post in flight waits for.
        gc.freeze()
        return app


def prepare() -> None:
    """The child's work: exit 1 with the reason when a setting makes starting unsafe."""
    from workshop import create_app
    from workshop.cli import prepare as prepare_database
    from workshop.config import ConfigError

    try:
        app = create_app()
    except ConfigError as error:
        sys.exit(f"Aan tafel cannot start: {error}")
    if os.environ.get("MIGRATE_ON_START", "1") != "0":
        prepare_database(app)


if __name__ == "__main__":
    if sys.argv[1:] == ["--prepare"]:
        prepare()
    else:
        prepared = subprocess.run([sys.executable, os.path.abspath(__file__), "--prepare"])
        if prepared.returncode:
            sys.exit(prepared.returncode)
        Server().run()
