"""Command line for organisers (`flask --app app ...`) and the start-up of `python app.py`."""

import functools
import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app

from . import domain, harvest, links, tags
from .errors import DomainError
from .extensions import db
from .models import Session


def fail_cleanly(command):
    """Report a domain error as a one-line message and exit status 1, not a traceback."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None

    return run


def register(app: Flask) -> None:
    @app.cli.command("create-event")
    @click.argument("name")
    @fail_cleanly
    def create_event_command(name):
        """Create an event NAME (a container for sessions) and print its id."""
        event = domain.create_event(name)
        click.echo(f"Event {event.id}: {event.name}")

    @app.cli.command("create-session")
    @click.argument("title")
    @click.option("--language", type=click.Choice(["nl", "en"]), default="nl")
    @click.option("--template", default="wijkaanpak", help="Session template, or '' for blank.")
    @click.option("--event", "event_id", type=int, help="Put the session in this event (its id).")
    @fail_cleanly
    def create_session_command(title, language, template, event_id):
        """Create a session and print its links (the facilitator key is shown only once)."""
        session, key = domain.create_session(title, language, template or None, event_id=event_id)
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
            session = domain.get_session(code)
            if use_default:
                domain.set_tag_set(session, None)
            else:
                with click.open_file(file, "rb") as source:
                    domain.set_tag_set(session, source.read())
        except OSError as error:
            raise click.ClickException(f"{file}: {error.strerror}") from None
        except DomainError as error:
            raise click.ClickException(f"{file or code}: {error.message}") from None
        tag_set = tags.for_session(session)
        counts = ", ".join(f"{len(tag_set.keys(kind))} {kind}" for kind in tags.TAG_SETS)
        click.echo(f"Session {session.code} now uses tag set '{tag_set.name}': {counts}.")

    @app.cli.command("list")
    def list_command():
        """List events and sessions with their state and counts."""
        events = domain.all_events()
        everything = domain.all_sessions(newest_first=False)
        for event in [*events, None]:
            mine = [s for s in everything if (s.event_id == (event.id if event else None))]
            if event is None and not mine:
                continue
            click.echo(f"Event {event.id}: {event.name}" if event else "Without an event")
            for session in mine:
                counts = domain.counts(session)
                click.echo(
                    f"  {session.code}  {session.state:<8} {counts['insights']:>5} insights"
                    f" {counts['participants']:>5} participants  {session.title}"
                )
            if not mine:
                click.echo("  (no sessions)")

    @app.cli.command("export")
    @click.argument("code", required=False)
    @click.option("--event", "event_id", type=int, help="Export every session of this event.")
    @click.option(
        "--format", "fmt", type=click.Choice(harvest.FORMATS), required=True, help="File type."
    )
    @click.option(
        "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True
    )
    @click.option("--include-hidden", is_flag=True, help="Also hidden and pending insights.")
    @click.option("--anonymise", is_flag=True, help="Leave names out; keep organisation types.")
    @click.option("--delimiter", type=click.Choice(["semicolon", "comma"]), help="CSV only.")
    @fail_cleanly
    def export_command(code, event_id, fmt, output, include_hidden, anonymise, delimiter):
        """Export the harvest of session CODE (or of --event ID) to a file, at any moment."""
        if bool(code) == bool(event_id):
            raise click.UsageError("Give a session CODE or --event ID (one of them).")
        chosen = domain.get_event(event_id).sessions if event_id else [domain.get_session(code)]
        options = harvest.Options(
            include_hidden=include_hidden, anonymise=anonymise, delimiter=delimiter
        )
        exported = harvest.export(chosen, fmt, options)
        output.write_bytes(exported.stream.getvalue())
        click.echo(f"Wrote {output} ({output.stat().st_size:,} bytes)")

    @app.cli.command("import-json")
    @click.argument("file", type=click.File("rb"))
    @fail_cleanly
    def import_json_command(file):
        """Create the session(s) of a JSON harvest FILE here: restore a backup, or move a session.

        Each session keeps its join code if it is free here and gets a new facilitator key.
        """
        from .harvest.restore import import_document

        try:
            document = json.loads(file.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise click.ClickException(f"{file.name} is not JSON: {error}") from None
        for session, key in import_document(document):
            print_session_links(session, key)

    @app.cli.command("delete-session")
    @click.argument("code")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @fail_cleanly
    def delete_session_command(code, yes):
        """Erase session CODE and everything about its participants (GDPR). This cannot be undone.

        Export it first if you want to keep the harvest (use --anonymise for a copy without names).
        """
        session = domain.get_session(code)
        counts = domain.counts(session)
        if not yes and not click.confirm(
            f"Erase '{session.title}' ({session.code}) with {counts['participants']} participants"
            f" and their insights?",
            err=True,
        ):
            click.echo("Nothing deleted.", err=True)
            sys.exit(1)
        deleted = domain.delete_session(session)
        click.echo(
            f"Deleted session {code.upper()}: "
            + ", ".join(f"{n} {name}" for name, n in deleted.items() if name != "sessions")
        )


def print_session_links(session: Session, key: str) -> None:
    click.echo(f"  Session '{session.title}' (code {session.code})")
    click.echo(f"    Facilitator console: {links.facilitator_url(session.code, key)}")
    click.echo(f"    Wall (projector):    {links.wall_url(session.code)}")
    click.echo(f"    Join (phones):       {links.join_url(session.code)}")


DEMO_TITLE = "Demo: Aan tafel met de wijkaanpak"
DEMO_DESCRIPTION = (
    "Demosessie, vanzelf gemaakt bij de eerste start om alles uit te proberen. "
    "Archiveer of verwijder haar voor een echte sessie."
)


def organiser_token_line(config) -> str:
    """The token itself only for the person setting up a laptop: in production start-up output
    goes to logs that others read, and whoever set ORGANISER_TOKEN already knows it."""
    if config["PRODUCTION"]:
        return "not shown in production (ORGANISER_TOKEN, or instance/organiser_token)"
    if not config.get("ORGANISER_TOKEN_GENERATED", True):
        return "the ORGANISER_TOKEN you set"
    return config["ORGANISER_TOKEN"]


def prepare(app: Flask) -> None:
    """Bring the database up to date; on a first start, create the demo session and print links."""
    from flask_migrate import upgrade  # Alembic: only where migrations run (see create_app)

    with app.app_context():
        upgrade()
        click.echo("")
        click.echo("Aan tafel is starting.")
        click.echo(f"  Organiser page: {links.organiser_url()}")
        click.echo(f"    organiser token: {organiser_token_line(current_app.config)}")
        if not domain.any_session() and not current_app.config["PRODUCTION"]:
            # Marked as a demo, so it never passes for a real session on the organiser page. Not in
            # production, whose start-up output goes to logs: its links carry a facilitator key.
            session, key = domain.create_session(
                DEMO_TITLE, "nl", "wijkaanpak", description=DEMO_DESCRIPTION
            )
            domain.change_state(session, "open")
            print_session_links(session, key)
        click.echo("")
