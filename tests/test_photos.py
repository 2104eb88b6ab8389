"""Photos on insights: upload, re-encoding without EXIF, limits, who may post, who may see."""

import io
import os
import uuid
import zipfile

import docx
import pytest
from PIL import Image

from tests.support import ORGANISER_TOKEN
from workshop import domain, media

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def jpeg_with_gps(size=(640, 480), orientation: int | None = None) -> bytes:
    """A JPEG as a phone makes it: camera make, GPS position (and perhaps an orientation)."""
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((30, 30, 200), (0, 0, size[0] // 4, size[1]))  # a blue band on the left
    exif = Image.Exif()
    exif[MAKE] = "Apple"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 33.0, 36.0), 3: "E", 4: (5.0, 5.0, 24.0)}  # Tilburg
    if orientation:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png(size=(300, 200), mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (0, 128, 0, 128) if mode == "RGBA" else 0).save(buffer, "PNG")
    return buffer.getvalue()


def heic(size=(800, 600)) -> bytes:
    from pillow_heif import from_pillow, register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    from_pillow(Image.new("RGB", size, (10, 120, 200))).save(buffer, quality=60)
    return buffer.getvalue()


def upload(client, code, token, table_id, photo=None, filename="flap.jpg", **fields):
    """The multipart post, as an API client sends it."""
    data = {"client_id": str(uuid.uuid4()), "table_id": str(table_id), **fields}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), filename)
    return client.post(
        f"/api/v1/sessions/{code}/insights",
        data=data,
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )


@pytest.fixture
def everyone(room, api_client):
    """The room with photos allowed for every participant, and one participant's token."""
    api_client.call(
        "PATCH", f"/sessions/{room.code}", room.key, 200, json={"settings": {"photos": "everyone"}}
    )
    return room


def host_token_of(app, room) -> str:
    """The first table's host token (what the host link carries)."""
    with app.app_context():
        session = domain.get_session(room.code)
        return domain.host_token(session, session.tables[0])


@pytest.fixture
def host_link(app, room):
    return host_token_of(app, room)


def stored(app, url: str) -> Image.Image:
    name = url.removeprefix("/media/")
    with app.app_context():
        return Image.open(media.media_dir() / name)


def test_the_stored_photo_has_no_exif_and_no_gps(app, client, everyone, join):
    token = join(everyone)["token"]
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the upload has a position

    response = upload(client, everyone.code, token, everyone.table, original, text="De flap")

    assert response.status_code == 201, response.get_json()
    photo = response.get_json()["photo"]
    assert photo["width"] == 640 and photo["height"] == 480
    for url in (photo["url"], photo["thumb_url"]):
        kept = stored(app, url)
        assert kept.format == "JPEG"
        assert dict(kept.getexif()) == {}
        assert kept.getexif().get_ifd(GPS_IFD) == {}
        assert "exif" not in kept.info and "icc_profile" not in kept.info
        with open(kept.filename, "rb") as file:
            assert b"Apple" not in file.read()  # no trace of the camera in the bytes either


def test_an_iphone_photo_is_stored_upright_and_large_ones_are_scaled(app, client, everyone, join):
    token = join(everyone)["token"]
    # Orientation 6: the camera held upright stores the pixels turned; viewers rotate 90°.
    turned = jpeg_with_gps(size=(4000, 3000), orientation=6)

    photo = upload(client, everyone.code, token, everyone.table, turned).get_json()["photo"]

    assert (photo["width"], photo["height"]) == (1536, 2048)  # upright, long side 2,048
    kept = stored(app, photo["url"])
    assert kept.size == (1536, 2048)
    top = kept.getpixel((kept.width // 2, kept.height // 10))
    assert top[2] > 150 and top[0] < 100  # the blue band, once on the left, is now on top
    assert max(stored(app, photo["thumb_url"]).size) == 480


def test_heic_from_an_iphone_is_accepted(app, client, everyone, join):
    token = join(everyone)["token"]

    response = upload(client, everyone.code, token, everyone.table, heic(), filename="IMG_1.HEIC")

    assert response.status_code == 201, response.get_json()
    photo = response.get_json()["photo"]
    assert (photo["width"], photo["height"]) == (800, 600)
    assert stored(app, photo["url"]).format == "JPEG"


def test_png_and_webp_become_jpeg_and_the_text_is_optional(app, client, everyone, join):
    token = join(everyone)["token"]
    webp = io.BytesIO()
    Image.new("RGB", (500, 500), "white").save(webp, "WEBP")

    for content in (png(), webp.getvalue()):
        response = upload(client, everyone.code, token, everyone.table, content)
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["text"] == ""
        assert stored(app, response.get_json()["photo"]["url"]).mode == "RGB"


def test_without_photo_or_text_is_still_an_error(client, everyone, join):
    token = join(everyone)["token"]

    response = upload(client, everyone.code, token, everyone.table)

    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "text"


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def truncated_jpeg() -> bytes:
    return jpeg_with_gps(size=(1200, 900))[:3000]


def blank_png(width: int, height: int, *, bits: int = 8) -> bytes:
    """A valid all-black greyscale PNG of any size, compressed row by row: the pixels never sit in
    the test's memory (a 20,000 x 20,000 one is 400 MB decoded, 400 KB as a file)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\0" * (1 + (width * bits + 7) // 8)  # filter byte + the row's pixels
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bits, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


HUGE = {
    # Over Pillow's own bomb limit (2 x 89 MP): Image.open refuses it.
    "20000x20000-png": lambda: blank_png(20_000, 20_000),
    "bomb-30000x30000-1bit": lambda: blank_png(30_000, 30_000, bits=1),
    # Under Pillow's limit, over ours (50 MP): refused from the header before decoding.
    "81mp-png": lambda: blank_png(9_000, 9_000),
}


@pytest.mark.slow  # seconds, not milliseconds: outside the fast tiers
@pytest.mark.parametrize("name", HUGE)
def test_huge_images_are_refused_before_they_are_decoded(app, client, everyone, join, name):
    token = join(everyone)["token"]
    content = HUGE[name]()

    response = upload(client, everyone.code, token, everyone.table, content, text="Flap")

    assert response.status_code == 413, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "image_too_large"
    with app.app_context():
        assert domain.all_insights(domain.get_session(everyone.code)) == []


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (pdf(), 422, "not_an_image"),
        (b"", 422, "not_an_image"),
        (b"GIF89a" + b"\0" * 100, 422, "not_an_image"),
        (truncated_jpeg(), 422, "not_an_image"),
    ],
    ids=["pdf-renamed-jpg", "empty", "gif", "truncated"],
)
def test_fake_broken_and_huge_images_get_a_clear_error(
    app, client, everyone, join, content, status, code
):
    token = join(everyone)["token"]

    response = upload(client, everyone.code, token, everyone.table, content, text="Flap")

    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == code
    with app.app_context():
        folder = media.media_dir()
        assert not folder.exists() or list(folder.iterdir()) == []  # nothing stored
        assert domain.all_insights(domain.get_session(everyone.code)) == []


def test_a_photo_over_15_mb_is_413_and_a_16_mb_body_too(client, everyone, join):
    token = join(everyone)["token"]
    over = b"\xff\xd8" + b"\0" * (15 * 1024 * 1024)  # a little over 15 MB, within the body limit

    response = upload(client, everyone.code, token, everyone.table, over)

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "photo_too_large"

    response = upload(client, everyone.code, token, everyone.table, b"\0" * (16 * 1024 * 1024))

    assert response.status_code == 413
    assert set(response.get_json()["error"]) >= {"code", "message"}


def test_the_json_body_limit_is_still_small(client, everyone, join):
    token = join(everyone)["token"]

    response = client.post(
        f"/api/v1/sessions/{everyone.code}/insights",
        data="x" * (100 * 1024),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )

    assert response.status_code == 413


def test_under_hosts_a_phone_gets_403_and_the_host_link_posts(app, client, room, join, host_link):
    token = join(room)["token"]  # the default setting is "hosts"

    refused = upload(client, room.code, token, room.table, png(), text="Mijn foto")

    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "photos_hosts_only"

    as_host = upload(client, room.code, host_link, room.table, png(), text="De flap van tafel 1")
    assert as_host.status_code == 201, as_host.get_json()
    assert as_host.get_json()["photo"]["thumb_url"].endswith(".thumb.jpg")

    # A participant with the host link in the form may post it too; not for another table.
    with_link = upload(client, room.code, token, room.table, png(), host=host_link)
    assert with_link.status_code == 201
    other_table = upload(client, room.code, token, room.tables[1], png(), host=host_link)
    assert other_table.status_code == 403


def test_text_only_posts_stay_open_to_everyone_under_hosts(client, room, join):
    token = join(room)["token"]

    response = upload(client, room.code, token, room.table, text="Zonder foto")

    assert response.status_code == 201
    assert response.get_json()["photo"] is None


def test_photos_off_refuses_the_host_too(client, api_client, room, host_link):
    api_client.call(
        "PATCH", f"/sessions/{room.code}", room.key, 200, json={"settings": {"photos": "off"}}
    )

    response = upload(client, room.code, host_link, room.table, png())

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "photos_off"


def test_an_unknown_photos_setting_is_422(api_client, room):
    response = api_client.call(
        "PATCH", f"/sessions/{room.code}", room.key, json={"settings": {"photos": "all"}}
    )

    assert response.status_code == 422
    assert response.json()["error"]["allowed"] == ["off", "hosts", "everyone"]


def test_a_retry_with_the_same_client_id_stores_one_photo(app, client, everyone, join):
    token = join(everyone)["token"]
    data = {"client_id": str(uuid.uuid4()), "table_id": str(everyone.table)}
    answers = []
    for _ in range(2):
        answers.append(
            client.post(
                f"/api/v1/sessions/{everyone.code}/insights",
                data={**data, "photo": (io.BytesIO(png()), "a.png")},
                headers={"Authorization": f"Bearer {token}"},
            )
        )

    assert [a.status_code for a in answers] == [201, 200]
    assert answers[0].get_json()["photo"] == answers[1].get_json()["photo"]
    with app.app_context():
        assert len(list(media.media_dir().glob("*.jpg"))) == 2  # the photo and its thumbnail


def test_a_visible_photo_is_served_immutable_with_nosniff(client, everyone, join):
    token = join(everyone)["token"]
    photo = upload(client, everyone.code, token, everyone.table, png()).get_json()["photo"]

    for url in (photo["url"], photo["thumb_url"]):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache and "max-age=31536000" in cache
        assert Image.open(io.BytesIO(response.data)).format == "JPEG"


def test_pending_and_hidden_photos_are_not_reachable(client, api_client, everyone, join):
    token = join(everyone)["token"]
    api_client.call(
        "PATCH",
        f"/sessions/{everyone.code}",
        everyone.key,
        200,
        json={"settings": {"premoderation": True}},
    )
    posted = upload(client, everyone.code, token, everyone.table, png()).get_json()
    assert posted["status"] == "pending"
    stranger = everyone.api.client.application.test_client()

    for url in (posted["photo"]["url"], posted["photo"]["thumb_url"]):
        assert stranger.get(url).status_code == 404
    # The facilitator moderates it: the console sees it, never cached.
    seen = stranger.get(posted["photo"]["url"], headers={"Authorization": f"Bearer {everyone.key}"})
    assert seen.status_code == 200 and seen.headers["Cache-Control"] == "private, no-store"

    moderate = f"/sessions/{everyone.code}/insights/{posted['id']}"
    api_client.call("PATCH", moderate, everyone.key, 200, json={"status": "visible"})
    assert stranger.get(posted["photo"]["url"]).status_code == 200

    api_client.call("PATCH", moderate, everyone.key, 200, json={"status": "hidden"})
    assert stranger.get(posted["photo"]["url"]).status_code == 404
    assert stranger.get(posted["photo"]["thumb_url"]).status_code == 404


def test_unknown_and_malformed_photo_addresses_are_404(client):
    for url in ("/media/nothing.jpg", "/media/..%2f..%2fapp.py.jpg", "/media/a.thumb.jpg"):
        assert client.get(url).status_code == 404


def test_the_insight_list_and_the_json_export_carry_the_photo(client, api_client, everyone, join):
    token = join(everyone)["token"]
    photo = upload(client, everyone.code, token, everyone.table, png(), text="Flap").get_json()[
        "photo"
    ]

    listed = api_client.call("GET", f"/sessions/{everyone.code}/insights").json()["insights"]
    exported = api_client.call("GET", f"/sessions/{everyone.code}/export.json", everyone.key)

    assert listed[0]["photo"] == photo
    assert exported.json()["sessions"][0]["insights"][0]["photo"] == photo


def download(client, room, fmt: str):
    return client.get(
        f"/api/v1/sessions/{room.code}/export.{fmt}",
        headers={"Authorization": f"Bearer {room.key}"},
    )


def test_the_docx_holds_the_full_size_photo(client, api_client, everyone, join):
    token = join(everyone)["token"]
    upload(client, everyone.code, token, everyone.table, jpeg_with_gps((1600, 1200)), text="Flap")

    response = download(client, everyone, "docx")

    document = docx.Document(io.BytesIO(response.data))
    pictures = [
        part
        for part in document.part.package.parts
        if part.partname.startswith("/word/media/") and part.content_type == "image/jpeg"
    ]
    assert len(pictures) == 1
    assert Image.open(io.BytesIO(pictures[0].blob)).size == (1600, 1200)
    assert b"Apple" not in pictures[0].blob


def test_the_markdown_bundle_holds_the_report_and_its_images(client, api_client, everyone, join):
    token = join(everyone)["token"]
    upload(client, everyone.code, token, everyone.table, png(), text="De flap van tafel 1")

    response = download(client, everyone, "zip")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert f"aantafel-{everyone.code}.zip" in response.headers["Content-Disposition"]
    bundle = zipfile.ZipFile(io.BytesIO(response.data))
    names = bundle.namelist()
    assert "report.md" in names
    images = [name for name in names if name.startswith("images/")]
    assert len(images) == 1
    report = bundle.read("report.md").decode()
    assert f"]({images[0]})" in report
    assert "De flap van tafel 1" in report
    assert Image.open(io.BytesIO(bundle.read(images[0]))).format == "JPEG"


def test_hidden_photos_stay_out_of_the_bundle(client, api_client, everyone, join):
    token = join(everyone)["token"]
    posted = upload(client, everyone.code, token, everyone.table, png(), text="Weg").get_json()
    api_client.call(
        "PATCH",
        f"/sessions/{everyone.code}/insights/{posted['id']}",
        everyone.key,
        200,
        json={"status": "hidden"},
    )

    bundle = zipfile.ZipFile(io.BytesIO(download(client, everyone, "zip").data))
    assert [name for name in bundle.namelist() if name.startswith("images/")] == []
    assert "Weg" not in bundle.read("report.md").decode()


def test_the_no_javascript_form_posts_a_photo(app, client, everyone, join):
    joined = client.post(
        f"/j/{everyone.code}/join", data={"name": "Anna", "table_id": str(everyone.table)}
    )
    assert joined.status_code == 302

    response = client.post(
        f"/j/{everyone.code}/post",
        data={
            "client_id": str(uuid.uuid4()),
            "text": "Foto van de flap",
            "photo": (io.BytesIO(jpeg_with_gps()), "flap.jpg"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ".thumb.jpg" in page


def test_the_no_javascript_form_says_why_a_photo_is_refused(client, api_client, everyone):
    client.post(f"/j/{everyone.code}/join", data={"name": "Anna", "table_id": str(everyone.table)})

    def send(content):
        return client.post(
            f"/j/{everyone.code}/post",
            data={
                "client_id": str(uuid.uuid4()),
                "text": "Mijn tekst blijft staan",
                "photo": (io.BytesIO(content), "flap.jpg"),
            },
            content_type="multipart/form-data",
        )

    fake = send(pdf())
    assert fake.status_code == 422
    page = fake.get_data(as_text=True)
    assert "geen foto die we kunnen lezen" in page and "Mijn tekst blijft staan" in page

    settings = {"settings": {"photos": "hosts"}}
    api_client.call("PATCH", f"/sessions/{everyone.code}", everyone.key, 200, json=settings)
    refused = send(png())
    assert refused.status_code == 403
    assert "alleen de tafelhost" in refused.get_data(as_text=True)


def test_the_host_page_posts_a_photo(app, client, api_client, room, host_link):
    base = f"/h/{room.code}/{room.table}/{host_link}"
    summary = f"/sessions/{room.code}/tables/{room.table}/summary"
    api_client.call("PUT", summary, room.key, 200, json={"text": "Vertrouwen kost tijd."})

    response = client.post(
        base + "/photo",
        data={"client_id": str(uuid.uuid4()), "photo": (io.BytesIO(png()), "flap.png")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302 and "posted=1" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ".thumb.jpg" in page

    refused = client.post(
        base + "/photo",
        data={"client_id": str(uuid.uuid4()), "photo": (io.BytesIO(pdf()), "fake.jpg")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = refused.get_data(as_text=True)
    assert "geen foto die we kunnen lezen" in page  # the session speaks Dutch
    assert 'role="alert"' in page
    assert "Vertrouwen kost tijd." in page  # the saved summary is still in its field


def test_the_organiser_token_is_not_a_host_link(client, room):
    response = upload(client, room.code, ORGANISER_TOKEN, room.table, png())

    assert response.status_code == 401


def host_link_of(server_url: str, room) -> str:
    """The first table's host link as the console offers it ("Copy host link")."""
    import re

    import requests

    page = requests.get(f"{server_url}/f/{room.code}?key={room.key}", timeout=10).text
    return re.findall(r'data-copy-host="([^"]+)"', page)[0]


def test_a_live_wall_receives_the_photo_in_the_insight_payload(live_server, live_room, sockets):
    import requests

    wall = sockets(live_room.code)
    token = host_link_of(live_server.url, live_room).rsplit("/", 1)[1]

    posted = requests.post(
        f"{live_server.url}/api/v1/sessions/{live_room.code}/insights",
        data={"client_id": str(uuid.uuid4()), "table_id": live_room.table, "text": "Flap"},
        files={"photo": ("IMG_0001.HEIC", heic(), "image/heic")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )

    assert posted.status_code == 201, posted.text
    shown = wall.wait_for("insight:new", lambda data: data.get("id") == posted.json()["id"])
    assert shown["photo"] == posted.json()["photo"]
    thumb = requests.get(live_server.url + shown["photo"]["thumb_url"], timeout=10)
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 480


def test_a_16_mb_upload_to_a_live_server_is_a_json_413(live_server, live_room, join):
    import requests

    token = join(live_room)["token"]

    response = requests.post(
        f"{live_server.url}/api/v1/sessions/{live_room.code}/insights",
        data={"client_id": str(uuid.uuid4()), "table_id": live_room.table},
        files={"photo": ("big.jpg", b"\xff" * (16 * 1024 * 1024), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )

    assert response.status_code == 413
    assert set(response.json()["error"]) >= {"code", "message"}


def test_erasing_a_session_removes_its_photo_files(app, client, everyone, join):
    token = join(everyone)["token"]
    upload(client, everyone.code, token, everyone.table, png(), text="Flap")
    with app.app_context():
        assert len(list(media.media_dir().glob("*.jpg"))) == 2

        deleted = domain.delete_session(domain.get_session(everyone.code))

        assert deleted["photos"] == 1
        assert list(media.media_dir().glob("*")) == []


def test_the_host_seat_is_named_and_works_where_names_are_required(
    client, api_client, room, host_link
):
    settings = {"photos": "hosts", "anonymous_allowed": False}
    api_client.call("PATCH", f"/sessions/{room.code}", room.key, 200, json={"settings": settings})

    posted = upload(client, room.code, host_link, room.table, png())

    assert posted.status_code == 201, posted.get_json()
    assert posted.get_json()["author"]["name"] == "Tafelhost"
    api_client.call(
        "PATCH",
        f"/sessions/{room.code}/tables/{room.table}",
        room.key,
        200,
        json={"host": "Ingrid"},
    )
    again = upload(client, room.code, host_link, room.table, png())
    assert again.get_json()["author"]["name"] == "Ingrid"


def test_the_organiser_page_offers_the_markdown_bundle(client, room):
    client.post("/o/login", data={"token": ORGANISER_TOKEN})

    page = client.get("/o/?lang=nl").get_data(as_text=True)

    assert f"/api/v1/sessions/{room.code}/export.zip" in page
    assert "Markdown met foto&#39;s (zip)" in page or "Markdown met foto's (zip)" in page


@pytest.mark.parametrize("how", ["one", "everything"])
def test_a_withdrawn_photo_is_gone_from_disk_and_address(app, client, everyone, join, how):
    token = join(everyone)["token"]
    posted = upload(client, everyone.code, token, everyone.table, png()).get_json()
    files = [stored(app, posted["photo"][key]).filename for key in ("url", "thumb_url")]
    path = f"/api/v1/sessions/{everyone.code}/" + (
        f"insights/{posted['id']}" if how == "one" else "participants/me"
    )
    withdrawn = client.delete(path, headers={"Authorization": f"Bearer {token}"})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert not any(os.path.exists(name) for name in files)
    assert client.get(posted["photo"]["url"]).status_code == 404
