"""The demo's pictures, drawn with Pillow when the demo loads (no photo is fetched
and the repository carries no binary media): flat portraits of people for the
consultants, and a small scene for each article."""

import io

from PIL import Image, ImageDraw

SCALE = 2  # drawn twice as large, then shrunk: smooth edges


def lighter(colour: str, share: float = 1 / 3) -> str:
    """`colour` mixed with white (share 0: itself, 1: white)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(
        *(round(c + (255 - c) * share) for c in (red, green, blue))
    )


def to_png(picture: Image.Image) -> io.BytesIO:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def portrait(look: dict, size: int = 400) -> Image.Image:
    """A head-and-shoulders figure. `look`: background, skin, hair, hair_style
    (short, long, bun, curly, bald), top (clothing), optional glasses and beard."""
    s = size * SCALE
    picture = Image.new("RGB", (s, s), look["background"])
    draw = ImageDraw.Draw(picture)

    def box(x0, y0, x1, y1):
        return [x0 * s, y0 * s, x1 * s, y1 * s]

    draw.ellipse(box(0.62, -0.12, 1.12, 0.38), fill=lighter(look["background"], 0.2))
    style, hair = look["hair_style"], look["hair"]
    if style == "long":  # behind the head and down to the shoulders
        draw.rounded_rectangle(box(0.27, 0.2, 0.73, 0.78), radius=0.2 * s, fill=hair)
    if style == "curly":
        for x, y in ((0.3, 0.3), (0.7, 0.3), (0.36, 0.17), (0.64, 0.17), (0.5, 0.12)):
            draw.ellipse(box(x - 0.14, y - 0.12, x + 0.14, y + 0.12), fill=hair)
    # shoulders and neck
    draw.ellipse(box(0.12, 0.7, 0.88, 1.35), fill=look["top"])
    draw.rectangle(box(0.44, 0.55, 0.56, 0.74), fill=look["skin"])
    draw.pieslice(box(0.4, 0.62, 0.6, 0.8), 0, 180, fill=look["skin"])
    # head
    draw.ellipse(box(0.32, 0.2, 0.68, 0.64), fill=look["skin"])
    if style in ("short", "long", "bun"):
        draw.chord(box(0.31, 0.17, 0.69, 0.5), 180, 360, fill=hair)
        draw.pieslice(box(0.31, 0.17, 0.52, 0.46), 150, 270, fill=hair)
    if style == "bun":
        draw.ellipse(box(0.42, 0.07, 0.58, 0.22), fill=hair)
    if style == "bald":
        shine = lighter(look["skin"], 0.35)
        draw.arc(box(0.35, 0.22, 0.65, 0.5), 200, 250, fill=shine, width=s // 80)
    if look.get("beard"):
        draw.chord(box(0.33, 0.32, 0.67, 0.66), 20, 160, fill=look["beard"])
        draw.ellipse(box(0.44, 0.5, 0.56, 0.56), fill=look["skin"])
    # face
    ink = "#2b2522"
    for x in (0.43, 0.57):
        draw.ellipse(box(x - 0.015, 0.4, x + 0.015, 0.43), fill=ink)
    draw.arc(box(0.45, 0.44, 0.55, 0.52), 20, 160, fill=ink, width=s // 160)
    if look.get("glasses"):
        for x in (0.43, 0.57):
            draw.ellipse(
                box(x - 0.05, 0.375, x + 0.05, 0.455),
                outline=look["glasses"],
                width=s // 130,
            )
        draw.line(box(0.48, 0.41, 0.52, 0.41), fill=look["glasses"], width=s // 130)
    return picture.resize((size, size), Image.LANCZOS)


def scene(theme: str, colour: str, width: int = 960, height: int = 540) -> Image.Image:
    """A calm flat scene for an article: morning, chairs, leaves, pair, breath,
    night."""
    w, h = width * SCALE, height * SCALE
    picture = Image.new("RGB", (w, h), colour)
    draw = ImageDraw.Draw(picture)
    light, pale = "#f6efe2", "#fbf7ef"
    if theme == "morning":
        draw.ellipse(
            [w * 0.38, h * 0.35, w * 0.62, h * 0.35 + w * 0.24], fill="#f2b33d"
        )
        draw.ellipse([-w * 0.2, h * 0.62, w * 0.7, h * 1.6], fill="#8fb8a8")
        draw.ellipse([w * 0.35, h * 0.7, w * 1.3, h * 1.7], fill="#5f9080")
    elif theme == "chairs":
        draw.rectangle([0, h * 0.78, w, h], fill="#d9c7a8")
        for x, tone in ((0.22, "#c56b4a"), (0.58, "#4f7f9a")):
            draw.rounded_rectangle(
                [w * x, h * 0.38, w * (x + 0.2), h * 0.72], radius=h // 14, fill=tone
            )
            draw.rounded_rectangle(
                [w * (x - 0.02), h * 0.58, w * (x + 0.22), h * 0.78],
                radius=h // 20,
                fill=tone,
            )
        draw.rectangle([w * 0.47, h * 0.55, w * 0.53, h * 0.78], fill="#7a5a3a")
        draw.ellipse([w * 0.44, h * 0.4, w * 0.56, h * 0.58], fill="#4f8a5f")
    elif theme == "leaves":
        draw.rectangle([w * 0.48, h * 0.35, w * 0.52, h], fill="#6b4f3a")
        draw.ellipse([w * 0.28, h * 0.05, w * 0.72, h * 0.55], fill="#c9874a")
        for x, y in ((0.2, 0.7), (0.75, 0.62), (0.64, 0.86), (0.3, 0.9), (0.85, 0.85)):
            draw.ellipse([w * x, h * y, w * (x + 0.05), h * (y + 0.04)], fill="#e0a15e")
    elif theme == "pair":
        for x, tone in ((0.33, "#e0b48f"), (0.55, "#8d5a3b")):
            draw.ellipse(
                [w * x, h * 0.22, w * (x + 0.12), h * 0.22 + w * 0.12], fill=tone
            )
            draw.ellipse([w * (x - 0.05), h * 0.5, w * (x + 0.17), h * 1.2], fill=light)
        draw.ellipse(
            [w * 0.46, h * 0.05, w * 0.54, h * 0.05 + w * 0.08], fill="#f2b33d"
        )
    elif theme == "breath":
        for step, share in enumerate((0.15, 0.3, 0.5, 0.85)):
            r, tone = h * (0.42 - step * 0.1), lighter(colour, share)
            draw.ellipse([w / 2 - r, h / 2 - r, w / 2 + r, h / 2 + r], fill=tone)
    else:  # night
        draw.ellipse([w * 0.62, h * 0.12, w * 0.62 + h * 0.3, h * 0.42], fill=pale)
        draw.ellipse([w * 0.66, h * 0.08, w * 0.66 + h * 0.3, h * 0.38], fill=colour)
        for x, y in ((0.15, 0.2), (0.3, 0.1), (0.45, 0.3), (0.2, 0.45), (0.85, 0.55)):
            draw.ellipse([w * x, h * y, w * x + h * 0.02, h * y + h * 0.02], fill=pale)
        draw.rectangle([0, h * 0.8, w, h], fill="#1f2a40")
    return picture.resize((width, height), Image.LANCZOS)
