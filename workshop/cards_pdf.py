"""The table cards as a PDF, drawn with ReportLab (imported only when someone prints)."""

import io
from xml.sax.saxutils import escape

import qrcode
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from .cards import COLOURS, Card, poster, table_cards
from .models import Session

INK = HexColor("#12302e")
INK_SOFT = HexColor("#44605d")
BRAND = HexColor("#0f766e")


def qr_matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """A QR code as filled squares, with its quiet zone, bottom-left corner at (x, y)."""
    matrix = qr_matrix(url)
    quiet = 4  # modules of white margin, as the QR standard asks
    modules = len(matrix) + 2 * quiet
    cell = size / modules
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#000000"))
    for row, line in enumerate(matrix):
        column = 0
        while column < len(line):  # one rectangle per run of dark modules in a row
            if not line[column]:
                column += 1
                continue
            start = column
            while column < len(line) and line[column]:
                column += 1
            canvas.rect(
                x + (quiet + start) * cell,
                y + size - (quiet + row + 1) * cell,
                (column - start) * cell,
                cell,
                stroke=0,
                fill=1,
            )


def paragraph(canvas, text, x, top, width, max_height, style) -> float:
    """Draw wrapped text from `top` down; shrink the font until it fits; return the new top."""
    size = style.fontSize
    while True:
        fitted = ParagraphStyle("fit", parent=style, fontSize=size, leading=size * 1.22)
        block = Paragraph(escape(text).replace("\n", "<br/>"), fitted)
        _, height = block.wrapOn(canvas, width, max_height)
        if height <= max_height or size <= 8:
            block.drawOn(canvas, x, top - height)
            return top - height
        size -= 1


def draw_card(canvas: Canvas, card: Card, session: Session, *, is_poster: bool = False) -> None:
    width, height = A5
    margin = 14 * mm
    inner = width - 2 * margin
    colour = HexColor(COLOURS[card.colour % len(COLOURS)])

    canvas.setFillColor(colour if not is_poster else BRAND)
    canvas.rect(0, height - 12 * mm, width, 12 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(margin, height - 7.8 * mm, "Aan tafel")
    canvas.setFont("Helvetica", 10)
    canvas.drawRightString(width - margin, height - 7.8 * mm, session.title[:70])

    top = height - 22 * mm
    name_style = ParagraphStyle(
        "name", fontName="Helvetica-Bold", fontSize=26 if not is_poster else 28, textColor=INK
    )
    top = paragraph(canvas, card.name, margin, top, inner, 24 * mm, name_style)
    if card.question:
        question_style = ParagraphStyle(
            "question", fontName="Helvetica", fontSize=14, textColor=INK_SOFT
        )
        top = paragraph(canvas, card.question, margin, top - 4 * mm, inner, 30 * mm, question_style)

    qr_size = 88 * mm if not is_poster else 96 * mm
    qr_top = min(top - 6 * mm, height - 70 * mm)
    qr_x = (width - qr_size) / 2
    draw_qr(canvas, card.join_url, qr_x, qr_top - qr_size, qr_size)
    canvas.setStrokeColor(colour if not is_poster else BRAND)
    canvas.setLineWidth(2)
    canvas.roundRect(
        qr_x - 2 * mm, qr_top - qr_size - 2 * mm, qr_size + 4 * mm, qr_size + 4 * mm, 4 * mm
    )

    y = qr_top - qr_size - 10 * mm
    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", 15)
    cta = _("Scan and join this table") if not is_poster else _("Scan and join")
    canvas.drawCentredString(width / 2, y, cta)
    y -= 7 * mm
    canvas.setFont("Helvetica", 11)
    canvas.setFillColor(INK_SOFT)
    canvas.drawCentredString(width / 2, y, _("or go to") + " " + card.short_url)
    canvas.setFillColor(INK)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(margin, 12 * mm, _("Join code"))
    canvas.setFont("Helvetica-Bold", 24)
    canvas.drawString(margin, 12 * mm - 9 * mm + 1, card.code)


def render(session: Session) -> bytes:
    """The session's table cards as a PDF: one A5 page per table, then the session poster."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A5, pageCompression=1)
    canvas.setTitle(f"{session.title} · table cards")
    canvas.setAuthor("Aan tafel")
    with force_locale(session.language):
        for card in table_cards(session):
            draw_card(canvas, card, session)
            canvas.showPage()
        draw_card(canvas, poster(session), session, is_poster=True)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
