"""Entry point: `python app.py` migrates the database and serves HTTP and Socket.IO with gevent."""

from gevent import monkey

monkey.patch_all()  # before every other import: sockets, threads and the Redis client cooperate

import os  # noqa: E402
import sys  # noqa: E402

from gunicorn.app.base import BaseApplication  # noqa: E402

from workshop import create_app  # noqa: E402
from workshop.cli import prepare  # noqa: E402
from workshop.config import ConfigError  # noqa: E402
from workshop.openfiles import raise_open_file_limit  # noqa: E402

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Aan tafel cannot start: {error}")  # exit code 1, the message on stderr


class Server(BaseApplication):
    """gunicorn's gevent worker, started from here: answers WebSocket closes at once."""

    def load_config(self):
        self.cfg.set("bind", f"{app.config['HOST']}:{app.config['PORT']}")
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
        return app


if __name__ == "__main__":
    if os.environ.get("MIGRATE_ON_START", "1") != "0":
        prepare(app)
    raise_open_file_limit()
    Server().run()
