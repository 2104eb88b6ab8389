"""The OpenAPI document of the HTTP API, served at /api/v1/openapi.json."""

import json
from functools import cache
from pathlib import Path


@cache
def base_document() -> dict:
    return json.loads((Path(__file__).parent / "data" / "openapi.json").read_text(encoding="utf-8"))


def document(public_url: str) -> dict:
    return {**base_document(), "servers": [{"url": public_url + "/api/v1"}]}
