"""QR codes for the session and each table, as SVG (crisp on a projector) and PNG (for slides)."""

import io

import qrcode
import qrcode.image.svg


def qr_svg(url: str) -> bytes:
    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def qr_png(url: str, box_size: int = 12) -> bytes:
    image = qrcode.make(
        url, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
