"""HTTP API v1 (workshop/data/openapi.json): JSON in, JSON out, the domain operations of the screens."""

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from .. import domain, harvest, inputs, links, payloads, stats, tags
from ..errors import BadRequest
from ..extensions import csrf
from ..ratelimit import joins_per_address
from .auth import (
    bearer_token,
    current_participant,
    is_facilitator,
    participant_asking,
    require_facilitator,
    require_organiser,
)

api = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api)  # JSON only: a cross-site form cannot send application/json without CORS.


@api.before_request
def json_or_bearer_only():
    """What makes the CSRF exemption safe: a change needs a JSON body or a Bearer header.

    A cross-site page can post a form (or text/plain) with the visitor's cookies, but it can send
    neither Content-Type: application/json nor an Authorization header without a CORS preflight,
    which this API never grants. Bodiless changes (DELETE, key rotation) need the same when the
    request carries cookies; without cookies or a Bearer header there is no one to impersonate.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.cookies:
        return
    if request.mimetype != "application/json" and not bearer_token():
        raise BadRequest(
            "Send a JSON body with Content-Type: application/json.", code="json_required"
        )


def json_body() -> dict:
    """The request's JSON object, or a clear 400 (also for nesting too deep, lone surrogates)."""
    if not request.is_json:  # application/json or application/*+json, as before
        raise BadRequest("Send a JSON body with Content-Type: application/json.")
    return inputs.json_object(request.get_data(cache=True))


def viewer_of(session) -> payloads.Viewer:
    return payloads.FACILITATOR if is_facilitator(session) else payloads.WALL


def created_session_payload(session, key: str) -> dict:
    return {
        "code": session.code,
        "facilitator_key": key,
        "join_url": links.join_url(session.code),
        "wall_url": links.wall_url(session.code),
        "facilitator_url": links.facilitator_url(session.code, key),
        "tables": [
            {
                k: v
                for k, v in payloads.table_payload(t).items()
                if k in ("id", "name", "question", "join_url")
            }
            for t in session.tables
        ],
    }


@api.post("/sessions")
def create_session():
    require_organiser()
    data = json_body()
    event_id = domain.id_field(data, "event_id", required=False)
    session, key = domain.create_session(
        title=data.get("title"),
        language=data.get("language", "nl"),
        template=data.get("template"),
        tables=data.get("tables"),
        event_id=event_id,
        description=data.get("description") if isinstance(data.get("description"), str) else None,
    )
    return created_session_payload(session, key), 201


@api.get("/sessions/<code>")
def get_session(code):
    session = domain.get_session(code)
    return payloads.session_payload(session, domain.counts(session))


@api.patch("/sessions/<code>")
def update_session(code):
    session = domain.get_session(code)
    require_facilitator(session)
    data = json_body()
    if not set(data) & {"state", "settings", "event_id", "title"}:
        raise BadRequest("Nothing to change: send state, settings, title or event_id.")
    if "event_id" in data:
        # An event's export is the organiser's: only the organiser puts sessions in or out of one,
        # else a facilitator could push its session's content into any event's harvest.
        require_organiser()
    if "title" in data:
        domain.rename_session(session, data)
    if "event_id" in data:
        domain.assign_event(session, domain.id_field(data, "event_id", required=False))
    if "settings" in data:
        domain.update_settings(session, data["settings"])
    if "state" in data:
        domain.change_state(session, data["state"])
    return payloads.session_payload(session, domain.counts(session))


@api.post("/sessions/<code>/facilitator-key")
def rotate_key(code):
    session = domain.get_session(code)
    require_facilitator(session)
    key = domain.rotate_facilitator_key(session)
    return {"facilitator_key": key, "facilitator_url": links.facilitator_url(session.code, key)}


@api.post("/sessions/<code>/participants")
def join(code):
    session = domain.get_session(code)
    joins_per_address.check(request.remote_addr, "Too many joins from this network; try again.")
    participant, token = domain.join(session, json_body())
    return {"id": participant.id, "token": token}, 201


@api.patch("/sessions/<code>/participants/me")
def update_me(code):
    session = domain.get_session(code)
    participant = current_participant(session)
    participant = domain.update_participant(session, participant, json_body())
    return {
        "id": participant.id,
        "name": participant.name,
        "organisation_type": participant.organisation_type,
        "organisation": participant.organisation,
        "role": participant.role,
        "place": participant.place,
        "quote_consent": participant.quote_consent,
        "table_id": participant.table_id,
    }


@api.post("/sessions/<code>/insights")
def post_insight(code):
    session = domain.get_session(code)
    if request.mimetype == "multipart/form-data":
        insight, participant, created = post_with_photo(session)
    else:
        participant = current_participant(session)
        insight, created = domain.post_insight(session, participant, json_body())
    return payloads.payload_for(session, insight, participant_viewer(participant)), (
        201 if created else 200
    )


def post_with_photo(session):
    """The multipart post: the usual fields as form fields and an optional `photo` file.

    A table host's link (Bearer, or the `host` field beside a participant token) may add photos
    under the default `photos` setting; it posts as the table host's seat.
    """
    form = request.form
    data = {
        "client_id": form.get("client_id"),
        "table_id": form.get("table_id"),
        "text": form.get("text"),
        "kind": form.get("kind") or None,
        "perspectives": form.getlist("perspectives"),
        "phase": form.get("phase") or None,
    }
    if form.get("anonymous") is not None:
        data["anonymous"] = form.get("anonymous").strip().lower() in ("1", "true", "on", "yes")
    token = bearer_token()
    host_table = None
    if token and "." in token:  # a host link's signed token (keys have no dot)
        table_id = domain.id_field(data, "table_id")
        participant, host_table = domain.host_seat(session, table_id, token)
    else:
        participant = current_participant(session)
        if form.get("host"):
            table_id = domain.id_field(data, "table_id")
            host_table = domain.table_for_host(session, table_id, form.get("host"))
    photo = request.files.get("photo")
    insight, created = domain.post_insight(
        session, participant, data, photo=photo.stream if photo else None, host_table=host_table
    )
    return insight, participant, created


@api.get("/sessions/<code>/insights")
def list_insights(code):
    session = domain.get_session(code)
    since = inputs.whole_number(request.args.get("since", "0"))
    if since is None:
        raise BadRequest("'since' must be a whole number from 0.", field="since")
    viewer = viewer_of(session)
    found = domain.insights_since(session, since, viewer)
    if not viewer.is_facilitator:  # public: visible insights only, and which were withdrawn
        found = [i for i in found if i.get("status") in ("visible", "withdrawn")]
    return {"insights": found}


def participant_viewer(participant) -> payloads.Viewer:
    return payloads.Viewer("participant", participant.id, participant.table_id)


@api.patch("/sessions/<code>/insights/<int:insight_id>")
def change_insight(code, insight_id):
    """Its author's edit (participant token) or the facilitator's moderation (facilitator key)."""
    session = domain.get_session(code)
    author = participant_asking(session)
    if author is not None:
        insight = domain.edit_own_insight(session, author, insight_id, json_body())
        return payloads.payload_for(session, insight, participant_viewer(author))
    require_facilitator(session)
    insight = domain.moderate(session, insight_id, json_body())
    return payloads.insight_payload(session, insight, facilitator=True)


@api.delete("/sessions/<code>/insights/<int:insight_id>")
def withdraw_insight(code, insight_id):
    """Its author withdraws it; again: the same 200 answer (idempotent)."""
    session = domain.get_session(code)
    participant = current_participant(session)
    insight = domain.withdraw_insight(session, participant, insight_id)
    return payloads.payload_for(session, insight, participant_viewer(participant))


@api.delete("/sessions/<code>/participants/me")
def withdraw_everything(code):
    """Withdraw every insight this participant posted (the participant stays, it may post on)."""
    session = domain.get_session(code)
    participant = current_participant(session)
    withdrawn = domain.withdraw_all(session, participant)
    return {"withdrawn": [insight.id for insight in withdrawn]}


@api.post("/sessions/<code>/insights/<int:insight_id>/vote")
def vote(code, insight_id):
    session = domain.get_session(code)
    participant = current_participant(session)
    votes, voted = domain.vote(session, participant, insight_id)
    return {"votes": votes, "voted": voted}


@api.post("/sessions/<code>/tables")
def add_table(code):
    session = domain.get_session(code)
    require_facilitator(session)
    table = domain.add_table(session, json_body())
    return payloads.table_payload(table), 201


@api.patch("/sessions/<code>/tables/<int:table_id>")
def update_table(code, table_id):
    session = domain.get_session(code)
    require_facilitator(session)
    return payloads.table_payload(domain.update_table(session, table_id, json_body()))


@api.delete("/sessions/<code>/tables/<int:table_id>")
def delete_table(code, table_id):
    session = domain.get_session(code)
    require_facilitator(session)
    domain.delete_table(session, table_id)
    return "", 204


@api.put("/sessions/<code>/tables/<int:table_id>/summary")
def write_summary(code, table_id):
    session = domain.get_session(code)
    token = bearer_token() or request.args.get("host")
    if token and "." in token:  # a host link's signed token (keys have no dot): this table only
        domain.table_for_host(session, table_id, token)
    else:
        require_facilitator(session)
    summary = domain.write_summary(session, table_id, json_body())
    return {"table_id": table_id, "text": summary.text}


@api.get("/sessions/<code>/tables/<int:table_id>/story")
def get_story(code, table_id):
    session = domain.get_session(code)
    require_facilitator(session)
    language = request.args.get("lang") if request.args.get("lang") in ("nl", "en") else None
    text, draft = domain.get_story(session, table_id, language)
    return {"table_id": table_id, "text": text, "draft": draft}


@api.put("/sessions/<code>/tables/<int:table_id>/story")
def write_story(code, table_id):
    """Save the table's story (Markdown); empty text removes it and GET answers the draft again."""
    session = domain.get_session(code)
    require_facilitator(session)
    domain.write_story(session, table_id, json_body())
    text, draft = domain.get_story(session, table_id)
    return {"table_id": table_id, "text": text, "draft": draft}


def publication_payload(target) -> dict:
    return {
        "url": links.public_url(f"/p/{target.publication_slug}"),
        "listed": target.publication_listed,
        "published_at": target.published_at.isoformat(),
    }


@api.get("/sessions/<code>/publication")
def get_session_publication(code):
    session = domain.get_session(code)
    require_facilitator(session)
    if not session.publication_slug:
        return {"url": None, "listed": False, "published_at": None}
    return publication_payload(session)


@api.put("/sessions/<code>/publication")
def publish_session(code):
    session = domain.get_session(code)
    require_facilitator(session)
    return publication_payload(domain.publish(session, json_body()))


@api.delete("/sessions/<code>/publication")
def unpublish_session(code):
    session = domain.get_session(code)
    require_facilitator(session)
    domain.unpublish(session)
    return "", 204


@api.post("/sessions/<code>/rounds")
def start_round(code):
    session = domain.get_session(code)
    require_facilitator(session)
    domain.start_round(session, json_body())
    return payloads.round_payload(session), 201


@api.patch("/sessions/<code>/rounds/current")
def update_round(code):
    session = domain.get_session(code)
    require_facilitator(session)
    domain.update_round(session, json_body())
    return payloads.round_payload(session)


@api.post("/sessions/<code>/insights/<int:insight_id>/merge")
def merge(code, insight_id):
    session = domain.get_session(code)
    require_facilitator(session)
    merged, kept = domain.merge_insights(session, insight_id, json_body())
    return {
        "merged": payloads.insight_payload(session, merged, facilitator=True),
        "kept": payloads.insight_payload(session, kept, facilitator=True),
    }


@api.put("/sessions/<code>/spotlight")
def spotlight(code):
    session = domain.get_session(code)
    require_facilitator(session)
    data = json_body()
    if "insight_id" not in data:
        raise BadRequest("Field 'insight_id' is required (null releases the spotlight).")
    insight_id = domain.id_field(data, "insight_id", required=False)
    insight = domain.set_spotlight(session, insight_id)
    return {"insight": payloads.insight_payload(session, insight) if insight else None}


@api.get("/sessions/<code>/themes")
def list_themes(code):
    """Public (walls and phones draw them): each theme's visible insights; with the facilitator
    key every insight of the theme."""
    session = domain.get_session(code)
    summaries = domain.themes_of(session, public=not is_facilitator(session))
    return payloads.themes_payload(summaries)


@api.post("/sessions/<code>/themes")
def create_theme(code):
    session = domain.get_session(code)
    require_facilitator(session)
    theme = domain.create_theme(session, json_body())
    return theme_answer(session, theme.id), 201


@api.patch("/sessions/<code>/themes/<int:theme_id>")
def update_theme(code, theme_id):
    session = domain.get_session(code)
    require_facilitator(session)
    theme = domain.update_theme(session, theme_id, json_body())
    return theme_answer(session, theme.id)


@api.delete("/sessions/<code>/themes/<int:theme_id>")
def delete_theme(code, theme_id):
    session = domain.get_session(code)
    require_facilitator(session)
    domain.delete_theme(session, theme_id)
    return "", 204


@api.get("/sessions/<code>/themes/suggestions")
def theme_suggestions(code):
    """Groups of insights that say the same in other words, each with a label to name a theme."""
    session = domain.get_session(code)
    require_facilitator(session)
    groups = domain.suggest_themes(session)
    return {"groups": [{"insight_ids": g.insight_ids, "label": g.label} for g in groups]}


def theme_answer(session, theme_id: int) -> dict:
    """One theme as the facilitator sees it: every insight of it."""
    summary = next(s for s in domain.themes_of(session, public=False) if s.id == theme_id)
    return payloads.theme_payload(summary)


@api.get("/sessions/<code>/stats")
def session_stats(code):
    return stats.session_stats(domain.get_session(code))


@api.get("/sessions/<code>/tag-sets")
def get_tag_sets(code):
    """The tag set the session uses, with which of its sets are active (public: phones need it)."""
    session = domain.get_session(code)
    return tag_sets_payload(session)


@api.put("/sessions/<code>/tag-sets")
def put_tag_sets(code):
    """Give the session its own tag set: the body is the file (JSON, or YAML with PyYAML)."""
    session = domain.get_session(code)
    require_facilitator(session)
    domain.set_tag_set(session, request.get_data())
    return tag_sets_payload(session)


@api.delete("/sessions/<code>/tag-sets")
def reset_tag_sets(code):
    session = domain.get_session(code)
    require_facilitator(session)
    domain.set_tag_set(session, None)
    return tag_sets_payload(session)


def tag_sets_payload(session) -> dict:
    tag_set = tags.for_session(session)
    return {
        "name": tag_set.name,
        "fingerprint": tags.fingerprint(session),
        "custom": bool(session.tag_set),
        "active": session.setting("tag_sets"),
        **{kind: tag_set.entries(kind) for kind in tags.TAG_SETS},
    }


@api.get("/sessions/<code>/export.<fmt>")
def export_session(code, fmt):
    session = domain.get_session(code)
    require_facilitator(session)
    return export_response(harvest.export([session], fmt, request.args), f"aantafel-{session.code}")


@api.post("/events")
def create_event():
    require_organiser()
    event = domain.create_event(json_body().get("name"))
    return {"id": event.id, "name": event.name}, 201


@api.get("/events")
def list_events():
    require_organiser()
    events = domain.all_events()
    return {"events": [{"id": e.id, "name": e.name} for e in events]}


@api.get("/events/<int:event_id>/export.<fmt>")
def export_event(event_id, fmt):
    require_organiser()
    event = domain.get_event(event_id)
    return export_response(
        harvest.export(event.sessions, fmt, request.args), f"aantafel-event-{event.id}"
    )


@api.get("/events/<int:event_id>/publication")
def get_event_publication(event_id):
    require_organiser()
    event = domain.get_event(event_id)
    if not event.publication_slug:
        return {"url": None, "listed": False, "published_at": None}
    return publication_payload(event)


@api.put("/events/<int:event_id>/publication")
def publish_event(event_id):
    require_organiser()
    return publication_payload(domain.publish(domain.get_event(event_id), json_body()))


@api.delete("/events/<int:event_id>/publication")
def unpublish_event(event_id):
    require_organiser()
    domain.unpublish(domain.get_event(event_id))
    return "", 204


def export_response(exported: "harvest.Exported", stem: str) -> Response:
    response = send_file(
        exported.stream, as_attachment=True, download_name=f"{stem}.{exported.extension}"
    )
    # Exactly the writer's type: given it as mimetype, werkzeug appends a second "; charset=utf-8".
    response.content_type = exported.mimetype
    return response


@api.get("/openapi.json")
def openapi():
    from ..openapi import document

    return jsonify(document(current_app.config["PUBLIC_URL"]))
