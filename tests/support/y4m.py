"""Y4M videos of a still image, for Chromium's --use-file-for-fake-video-capture."""
import io
from pathlib import Path

from PIL import Image

# Share of the frame's width or height that the image may fill.
_FILL = 0.8


def write_y4m(
    path: str | Path,
    png_or_pil_image: bytes | Image.Image,
    *,
    width: int = 640,
    height: int = 480,
    frames: int = 30,
    fps: int = 15,
) -> None:
    """Write `frames` identical 4:2:0 frames showing the image centred on white."""
    assert width % 2 == 0 and height % 2 == 0, "4:2:0 chroma needs an even width and height"
    image = png_or_pil_image
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    frame = _frame(image.convert("RGBA"), width, height)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n")
            video.write(frame)


def _frame(image: Image.Image, width: int, height: int) -> bytes:
    """Planar Y, Cb, Cr bytes; an upscaled image keeps an integer factor so QR modules stay even."""
    scale = min(width / image.width, height / image.height) * _FILL
    if scale >= 1:
        scale = int(scale)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    scaled = image.resize(size, Image.Resampling.NEAREST)
    canvas = Image.new("RGB", (width, height), "white")
    canvas.paste(scaled, ((width - size[0]) // 2, (height - size[1]) // 2), scaled)
    luma, blue, red = canvas.convert("YCbCr").split()
    half = (width // 2, height // 2)
    return (
        luma.tobytes()
        + blue.resize(half, Image.Resampling.BOX).tobytes()
        + red.resize(half, Image.Resampling.BOX).tobytes()
    )
