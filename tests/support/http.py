"""The one HTTP helper: the v1 API the way organisers' tools use it, live or in process."""

import uuid

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .server import ORGANISER_TOKEN


def kept_alive_session() -> requests.Session:
    """A session that sends again when the server closed a kept-alive connection under it.

    gunicorn closes an idle keep-alive connection after 2 s; a request that reuses it at that
    moment gets "connection reset" before the server has read it, so sending it again is safe.
    """
    http = requests.Session()
    retry = Retry(
        total=2, connect=2, read=2, status=0, allowed_methods=None, backoff_factor=0.1,
        respect_retry_after_header=False, raise_on_status=False,
    )  # fmt: skip
    http.mount("http://", HTTPAdapter(max_retries=retry))
    return http


class Reply:
    """A Flask test response that reads like a `requests` response."""

    def __init__(self, response):
        self.raw = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = response.get_data()
        self.text = response.get_data(as_text=True)

    def json(self):
        return self.raw.get_json()


class Api:
    """Calls /api/v1 on a live server (a base URL) or on a Flask test client (no server)."""

    def __init__(self, target):
        if isinstance(target, str):
            self.base, self.http, self.client = target + "/api/v1", kept_alive_session(), None
        else:
            self.base, self.http, self.client = "/api/v1", None, target

    def call(self, method, path, token=None, expect=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if self.client is None:
            response = self.http.request(
                method, self.base + path, headers=headers, timeout=10, **kwargs
            )
        else:
            response = Reply(
                self.client.open(self.base + path, method=method, headers=headers, **kwargs)
            )
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def create_session(
        self, title="Aan tafel met de wijkaanpak", template="wijkaanpak", state="open", **body
    ):
        created = self.call(
            "POST",
            "/sessions",
            ORGANISER_TOKEN,
            201,
            json={"title": title, "language": "nl", "template": template, **body},
        ).json()
        if state != "draft":
            self.call(
                "PATCH",
                f"/sessions/{created['code']}",
                created["facilitator_key"],
                200,
                json={"state": state},
            )
        return created

    def join(self, code, table_id=None, **body):
        return self.call(
            "POST",
            f"/sessions/{code}/participants",
            json={"table_id": table_id, **body},
            expect=201,
        ).json()

    def post(self, code, token, table_id, text="Bewoners willen eerst weten wat het kost.", **body):
        return self.call(
            "POST", f"/sessions/{code}/insights", token, json=insight_body(table_id, text, **body)
        )


def insight_body(table_id, text="Bewoners willen eerst weten wat het kost.", **extra) -> dict:
    """The body of a post (HTTP or socket), with a fresh client id."""
    return {"client_id": str(uuid.uuid4()), "table_id": table_id, "text": text, **extra}
