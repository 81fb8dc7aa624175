"""QR images of ticket codes: inline SVG for pages, PNG for e-mails and PDFs.

Both use error correction M, a quiet zone of 4 modules and QR alphanumeric
mode, so data may only hold 0-9, A-Z, space and $%*+-./: (ValueError otherwise).
"""
import io
from itertools import groupby
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage
from qrcode.util import MODE_ALPHA_NUM, QRData

QUIET_ZONE = 4


def qr_svg(data: str, *, title: str) -> str:
    """Accessible inline SVG without fixed size: CSS scales it through its viewBox."""
    matrix = _qr(data).get_matrix()
    size = len(matrix)
    path = "".join(
        f"M{x},{y}h{length}v1h-{length}z"
        for y, row in enumerate(matrix)
        for x, length in _dark_runs(row)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"'
        ' role="img" shape-rendering="crispEdges">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/>'
        "</svg>"
    )


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    image = _qr(data, box_size=box_size).make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _qr(data: str, *, box_size: int = 10) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=QUIET_ZONE)
    code.add_data(QRData(data, mode=MODE_ALPHA_NUM))
    code.make(fit=True)
    return code


def _dark_runs(row: list[bool]):
    """(start, length) of each run of dark modules in a matrix row."""
    x = 0
    for dark, run in groupby(row):
        length = len(list(run))
        if dark:
            yield x, length
        x += length
