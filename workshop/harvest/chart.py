"""The perspective coverage chart (PNG, drawn with Pillow): tables x perspectives, blind spots empty."""

import io
import textwrap
from functools import cache

from PIL import Image, ImageDraw, ImageFont

INK = (31, 41, 55)
MUTED = (107, 114, 128)
LINE = (209, 213, 219)
ACCENT = (15, 118, 110)  # the app's --brand; shades of it carry the counts
SCALE = 2  # draw at twice the size: sharp in print


@cache
def font(size: int, bold: bool = False):
    names = ("DejaVuSans-Bold.ttf", "Arial Bold.ttf") if bold else ("DejaVuSans.ttf", "Arial.ttf")
    for name in names:
        for folder in ("", "/usr/share/fonts/truetype/dejavu/"):
            try:
                return ImageFont.truetype(folder + name, size * SCALE)
            except OSError:
                continue
    return ImageFont.load_default(size * SCALE)


def fitting_size(draw, text: str, width: float, size: int, bold: bool = False) -> int:
    """The largest font size (down to 8) at which every line of the text fits the width."""
    while size > 8 and draw.multiline_textbbox((0, 0), text, font=font(size, bold))[2] > width:
        size -= 1
    return size


def shade(count: int, most: int) -> tuple[int, int, int]:
    strength = 0.25 + 0.75 * count / most
    return tuple(round(255 - (255 - c) * strength) for c in ACCENT)


def coverage_png(tables: list[tuple[str, dict]], perspectives: list[tuple[str, str]]) -> bytes:
    """A grid: one row per table, one column per perspective, the count in each cell."""
    s = SCALE
    label_width, cell, header, pad = 230 * s, 112 * s, 70 * s, 12 * s
    width = label_width + cell * len(perspectives) + 2 * pad
    height = header + cell * max(len(tables), 1) * 0.6 + 2 * pad
    row_height = int(cell * 0.6)
    image = Image.new("RGB", (int(width), int(height)), "white")
    draw = ImageDraw.Draw(image)
    most = max([n for _, counts in tables for n in counts.values()] + [1])

    headers = [
        "\n".join(textwrap.wrap(label, 12, break_long_words=False)) for _, label in perspectives
    ]
    size = min([fitting_size(draw, text, cell - 8 * s, 14, bold=True) for text in headers] + [14])
    for column, wrapped in enumerate(headers):
        x = pad + label_width + column * cell + cell / 2
        draw.multiline_text(
            (x, pad + header - 10 * s),
            wrapped,
            font=font(size, True),
            fill=INK,
            anchor="md",
            align="center",
        )
    for row, (name, counts) in enumerate(tables):
        y = pad + header + row * row_height
        lines = textwrap.wrap(name, 22)[:2] or [""]
        if len(textwrap.wrap(name, 22)) > 2:
            lines[1] = lines[1][:21] + "…"
        wrapped = "\n".join(lines)
        size = fitting_size(draw, wrapped, label_width - 12 * s, 15)
        draw.multiline_text(
            (pad, y + row_height / 2), wrapped, font=font(size), fill=INK, anchor="lm"
        )
        for column, (key, _) in enumerate(perspectives):
            x = pad + label_width + column * cell
            box = (x + 4 * s, y + 4 * s, x + cell - 4 * s, y + row_height - 4 * s)
            count = counts.get(key, 0)
            if count:
                draw.rounded_rectangle(box, radius=8 * s, fill=shade(count, most))
                colour = "white" if count / most > 0.45 else INK
                draw.text(
                    ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2),
                    str(count),
                    font=font(18, True),
                    fill=colour,
                    anchor="mm",
                )
            else:
                draw.rounded_rectangle(box, radius=8 * s, outline=LINE, width=2 * s)
                draw.text(
                    ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2),
                    "–",
                    font=font(16),
                    fill=MUTED,
                    anchor="mm",
                )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
