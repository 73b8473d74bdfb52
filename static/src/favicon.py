"""Draw the CSP Casework favicon: a white shield with a tick on the service's blue.

``python static/src/favicon.py`` writes ``static/images/favicon.svg`` and
``static/images/favicon.ico`` (16, 32 and 48 pixel PNGs inside an ICO) from the one drawing
below; tests/config/test_favicon.py checks the committed files are what it draws. Our own
drawing on purpose: the GOV.UK crown and crest are for services on GOV.UK only.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "images"
BOX = 32  # the drawing's units; the ICO scales them to each size
RADIUS = 6
BLUE = (0x1D, 0x70, 0xB8)  # GOV.UK Frontend's brand blue, as the theme-color meta tag
WHITE = (0xFF, 0xFF, 0xFF)
SIZES = (16, 32, 48)
SAMPLES = 4  # per pixel side: 16 samples smooth the edges

Point = tuple[float, float]
# The shield: straight sides, a curved point (quadratic Béziers: control, end).
SHIELD: list[tuple[str, tuple[float, ...]]] = [
    ("M", (9, 6)),
    ("L", (23, 6)),
    ("L", (23, 15)),
    ("Q", (23, 22, 16, 27)),
    ("Q", (9, 22, 9, 15)),
]
# The tick, cut out of the shield (even-odd fill) so the blue shows through.
TICK: list[Point] = [(11, 16), (12.5, 14.5), (14.5, 16.5), (19.5, 11.5), (21, 13), (14.5, 19.5)]


def _fmt(value: float) -> str:
    return f"{value:g}"


def svg() -> str:
    shield = " ".join(cmd + " ".join(_fmt(v) for v in args) for cmd, args in SHIELD) + "Z"
    tick = "M" + "L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in TICK) + "Z"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {BOX} {BOX}">'
        f'<rect width="{BOX}" height="{BOX}" rx="{RADIUS}" fill="#{_hex(BLUE)}"/>'
        f'<path fill="#{_hex(WHITE)}" fill-rule="evenodd" d="{shield} {tick}"/>'
        "</svg>\n"
    )


def _hex(colour: tuple[int, int, int]) -> str:
    return "".join(f"{c:02x}" for c in colour)


def _shield_outline() -> list[Point]:
    """The shield as a polygon: each curve flattened into 16 straight pieces."""
    points: list[Point] = []
    for cmd, args in SHIELD:
        if cmd in ("M", "L"):
            points.append((args[0], args[1]))
            continue
        (x0, y0), (cx, cy, x1, y1) = points[-1], args
        for i in range(1, 17):
            t = i / 16
            points.append(
                (
                    (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1,
                    (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1,
                )
            )
    return points


def _crossings(x: float, y: float, ring: list[Point]) -> int:
    count = 0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            count += 1
    return count


def _in_box(x: float, y: float) -> bool:
    dx = max(RADIUS - x, 0.0, x - (BOX - RADIUS))
    dy = max(RADIUS - y, 0.0, y - (BOX - RADIUS))
    return 0 <= x <= BOX and 0 <= y <= BOX and dx * dx + dy * dy <= RADIUS * RADIUS


def pixels(size: int) -> list[list[tuple[int, int, int, int]]]:
    """RGBA rows of the drawing at ``size`` pixels square."""
    rings = [_shield_outline(), TICK]
    rows = []
    step = BOX / size / SAMPLES
    for py in range(size):
        row = []
        for px in range(size):
            covered, colour = 0, [0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    y = (py * SAMPLES + sy + 0.5) * step
                    if not _in_box(x, y):
                        continue
                    covered += 1
                    odd = sum(_crossings(x, y, ring) for ring in rings) % 2
                    for i, c in enumerate(WHITE if odd else BLUE):
                        colour[i] += c
            if covered == 0:
                row.append((0, 0, 0, 0))
            else:
                r, g, b = (round(c / covered) for c in colour)
                row.append((r, g, b, round(255 * covered / SAMPLES**2)))
        rows.append(row)
    return rows


def png(size: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(
        b"\x00" + bytes(v for pixel in row for v in pixel) for row in pixels(size)
    )  # filter type 0 (none) on every row
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def ico() -> bytes:
    """An ICO of PNG images (every browser since Windows Vista's era reads these)."""
    images = [png(size) for size in SIZES]
    offset = 6 + 16 * len(images)
    directory = struct.pack("<HHH", 0, 1, len(images))
    for size, image in zip(SIZES, images, strict=True):
        directory += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return directory + b"".join(images)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "favicon.svg").write_text(svg())
    (OUT / "favicon.ico").write_bytes(ico())


if __name__ == "__main__":
    main()
