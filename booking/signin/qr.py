"""QR codes drawn here, as inline SVG (segno): the enrolment key never leaves
the server for a QR service."""

import segno


def qr_svg(data: str) -> str:
    return segno.make(data, error="m").svg_inline(
        scale=5,
        dark="#000",
        light="#fff",
        border=4,
        title="QR code for your authenticator app",
    )
