"""Clients a test opens, all closed after it."""

import contextlib


@contextlib.contextmanager
def closed_after(make):
    """`make` (a client's constructor), wrapped: every client it made is closed on leaving."""
    opened = []

    def open_one(*args, **kwargs):
        opened.append(made := make(*args, **kwargs))
        return made

    try:
        yield open_one
    finally:
        for client in opened:
            client.close()
