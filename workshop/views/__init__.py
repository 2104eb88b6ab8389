"""Blueprints, one per screen and one for the API."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .api import api
    from .facilitator import facilitator
    from .library import library
    from .media import photos
    from .organiser import organiser
    from .participant import participant
    from .published import published
    from .stories import stories
    from .wall import wall

    for blueprint in (
        api,
        participant,
        wall,
        facilitator,
        organiser,
        photos,
        published,
        stories,
        library,
    ):
        app.register_blueprint(blueprint)
