"""A table host photographs the flip chart: the wall on the projector shows it in the table's column."""

import io
import re

import requests
from PIL import Image

from tests.e2e.conftest import LAPTOP, PHONE, WALL, screenshot


def flip_chart_jpeg(path) -> str:
    """A 4,032 x 3,024 photo as a phone takes it, stored turned (EXIF orientation 6) with GPS."""
    image = Image.new("RGB", (4032, 3024), (245, 245, 240))
    image.paste((220, 40, 40), (0, 0, 600, 3024))  # a red margin, on the left as stored
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (51.0, 33.0, 36.0), 3: "E", 4: (5.0, 5.0, 24.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=80)
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_the_host_posts_a_photo_and_the_wall_shows_its_thumbnail(
    live_server, live_room, page_for, tmp_path
):
    console_page = requests.get(
        f"{live_server.url}/f/{live_room.code}?key={live_room.key}", timeout=10
    ).text
    host_url = re.findall(r'data-copy-host="([^"]+)"', console_page)[0]
    wall = page_for(f"{live_server.url}/w/{live_room.code}?lang=nl", WALL)
    wall.wait_for_selector("#connection[data-status='online']", timeout=15_000)

    host = page_for(host_url + "?lang=nl", PHONE)
    host.set_input_files("#host-photo", flip_chart_jpeg(tmp_path / "IMG_0412.JPG"))
    host.fill("#host-photo-text", "De flap van onze tafel")
    host.click("#host-photo-form button")
    host.wait_for_selector(".banner-ok")
    assert "Foto geplaatst" in host.inner_text(".banner-ok")
    host.wait_for_selector(".insight .insight-photo img[src$='.thumb.jpg']")
    host.screenshot(path=str(screenshot(host, "photos-host-page")), full_page=True)

    # The wall: the thumbnail, loaded and upright, fits the table's column.
    column = wall.locator(".wall-column").first
    image = column.locator(".insight-photo img")
    image.wait_for(timeout=10_000)
    wall.wait_for_function(
        "() => { const i = document.querySelector('.wall-column .insight-photo img');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=10_000,
    )
    natural = image.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert natural == [360, 480]  # upright (portrait), 480 px on the long side
    box, column_box = image.bounding_box(), column.bounding_box()
    assert box["width"] <= column_box["width"] and box["x"] >= column_box["x"]
    assert box["height"] <= WALL["height"] * 0.4  # readable beside its text, not the whole screen
    assert box["y"] + box["height"] <= WALL["height"]
    assert "De flap van onze tafel" in column.inner_text()
    screenshot(wall, "photos-wall")

    # The console shows the thumbnail too.
    console = page_for(f"{live_server.url}/f/{live_room.code}?key={live_room.key}", LAPTOP)
    console.wait_for_function(
        "() => [...document.querySelectorAll('.insight-photo img')]"
        ".some(i => i.complete && i.naturalWidth > 0)",
        timeout=10_000,
    )
    screenshot(console, "photos-console")

    # The full photo has no EXIF and keeps its pixels upright at 2,048 px.
    full = image.evaluate("i => i.closest('a').href")
    stored = Image.open(io.BytesIO(requests.get(full, timeout=10).content))
    assert stored.size == (1536, 2048)
    assert dict(stored.getexif()) == {}

    # In the spotlight the wall shows the full photo, within the screen.
    insight_id = int(column.locator(".insight").first.get_attribute("data-id"))
    requests.put(
        f"{live_server.url}/api/v1/sessions/{live_room.code}/spotlight",
        json={"insight_id": insight_id},
        headers={"Authorization": f"Bearer {live_room.key}"},
        timeout=10,
    ).raise_for_status()
    wall.wait_for_function(
        "() => { const i = document.querySelector('[data-spotlight-photo]');"
        " return !i.hidden && i.complete && i.naturalWidth === 1536; }",
        timeout=10_000,
    )
    spot = wall.locator("[data-spotlight-photo]").bounding_box()
    assert spot["y"] >= 0 and spot["y"] + spot["height"] <= WALL["height"]
    screenshot(wall, "photos-wall-spotlight")


def test_a_phone_adds_a_photo_where_everyone_may(live_server, api, live_room, page_for, tmp_path):
    api.call(
        "PATCH",
        f"/sessions/{live_room.code}",
        live_room.key,
        200,
        json={"settings": {"photos": "everyone"}},
    )
    wall = page_for(f"{live_server.url}/w/{live_room.code}?lang=nl", WALL)
    phone = page_for(f"{live_server.url}/j/{live_room.code}/{live_room.table}?lang=nl", PHONE)
    phone.fill("#name", "Marieke")
    phone.click("#join-form button")
    phone.wait_for_selector("#photo")

    phone.fill("#text", "Zo zag onze tafel eruit")
    phone.set_input_files("#photo", flip_chart_jpeg(tmp_path / "IMG_0413.JPG"))
    phone.click("#send")

    phone.wait_for_selector(".feed .insight-photo img[src$='.thumb.jpg']")
    phone.wait_for_function(
        "() => { const i = document.querySelector('.feed .insight-photo img');"
        " return i.complete && i.naturalWidth === 360; }"
    )
    assert phone.input_value("#text") == ""  # the text went with the photo, no draft left
    wall.wait_for_selector(".wall-column .insight-photo img[src$='.thumb.jpg']")
    assert "Zo zag onze tafel eruit" in wall.locator(".wall-column").first.inner_text()
    screenshot(phone, "photos-phone")
