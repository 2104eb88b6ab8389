"""Command line for organisers (`flask --app app ...`) and the start-up of `python app.py`."""

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import func, select

from . import links, sessions, tags
from .errors import DomainError
from .extensions import db
from .models import Session


def register(app: Flask) -> None:
    @app.cli.command("create-session")
    @click.argument("title")
    @click.option("--language", type=click.Choice(["nl", "en"]), default="nl")
    @click.option("--template", default="wijkaanpak", help="Session template, or '' for blank.")
    def create_session_command(title, language, template):
        """Create a session and print its links (the facilitator key is shown only once)."""
        session, key = sessions.create_session(title, language, template or None)
        print_session_links(session, key)

    @app.cli.command("load-tags")
    @click.argument("code")
    @click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
    @click.option("--default", "use_default", is_flag=True, help="Go back to the Wijkkompas set.")
    def load_tags_command(code, file, use_default):
        """Give session CODE its own tag set from FILE (JSON, or YAML with PyYAML; '-' = stdin)."""
        if not file and not use_default:
            raise click.UsageError("Name a tag set FILE, or pass --default.")
        try:
            session = sessions.get_session(code)
            if use_default:
                sessions.set_tag_set(session, None)
            else:
                with click.open_file(file, "rb") as source:
                    sessions.set_tag_set(session, source.read())
        except OSError as error:
            raise click.ClickException(f"{file}: {error.strerror}") from None
        except DomainError as error:
            raise click.ClickException(f"{file or code}: {error.message}") from None
        tag_set = tags.for_session(session)
        counts = ", ".join(f"{len(tag_set.keys(kind))} {kind}" for kind in tags.TAG_SETS)
        click.echo(f"Session {session.code} now uses tag set '{tag_set.name}': {counts}.")


def print_session_links(session: Session, key: str) -> None:
    click.echo(f"  Session '{session.title}' (code {session.code})")
    click.echo(f"    Facilitator console: {links.facilitator_url(session.code, key)}")
    click.echo(f"    Wall (projector):    {links.wall_url(session.code)}")
    click.echo(f"    Join (phones):       {links.join_url(session.code)}")


def prepare(app: Flask) -> None:
    """Bring the database up to date; on a first start, create the demo session and print links."""
    with app.app_context():
        upgrade()
        click.echo("")
        click.echo("Aan tafel is starting.")
        click.echo(f"  Organiser page: {links.organiser_url()}")
        click.echo(f"    organiser token: {current_app.config['ORGANISER_TOKEN']}")
        if not db.session.scalar(select(func.count()).select_from(Session)):
            session, key = sessions.create_session(
                "Aan tafel met de wijkaanpak", "nl", "wijkaanpak"
            )
            sessions.change_state(session, "open")
            print_session_links(session, key)
        click.echo("")
