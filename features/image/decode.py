"""Turn one image input (path, bytes or PIL image) into a fixed-size RGB uint8 array, or a readable error.

The geometry is fixed and documented because the feature cache trusts it:

1. refuse anything that is not JPEG, PNG, WebP, GIF or BMP, and anything over ``max_pixels`` — both read from
   the header, before a single pixel is decoded (decompression bombs never reach the decoder);
2. JPEG only: ``Image.draft`` lets libjpeg decode at 1/2, 1/4 or 1/8 scale (DCT scaling) as long as the shorter
   side stays at least ``size / crop_fraction`` pixels, so the crop below is never upsampled because of it;
3. EXIF orientation applied; GIF keeps its first frame;
4. colour: 16-bit grey scaled to 8 bits (value / 257), palette / grey / CMYK converted to RGB, any alpha
   composited on white;
5. central square crop of ``crop_fraction`` × the shorter side (0.875 = 224/256, the TensorFlow EfficientNet
   evaluation crop), resized to ``size`` × ``size`` with PIL bicubic resampling.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps, UnidentifiedImageError

# 40 megapixels: above any phone photo (a 200 MP sensor is rare and would be refused), far below what a
# decompression bomb claims. Pillow's own guard (89 MP warning, 179 MP error) stays in force as well.
DEFAULT_MAX_PIXELS = 40_000_000
# Images of 16 or 32 bits per sample decode (and convert to 8-bit RGB) through buffers several times larger per
# pixel: a 78 KB 16-bit PNG of 40 MP took 1 GB. Their pixel limit is this many times smaller.
HIGH_DEPTH_FACTOR = 8
_HIGH_DEPTH_MODES = ("I", "F", "I;16", "I;16B", "I;16L", "I;16N", "RGB;16", "RGBA;16")
# Bytes read of one image file at most: phone photos are 2-8 MB; a bigger file is refused without reading it all.
MAX_IMAGE_BYTES = 20 * 2**20
# TensorFlow's EfficientNet evaluation crop: 224 / (224 + 32) of the shorter side (CROP_PADDING = 32).
DEFAULT_CROP_FRACTION = 0.875
SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
RESIZE_METHOD = "pil-draft+exif+crop{crop}+bicubic"  # part of the cache identity; bump if the geometry changes

_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_ORIENTATION = 0x0112  # the EXIF tag that `ImageOps.exif_transpose` reads


class ImageDecodeError(ValueError):
    """An image input that cannot be featurised; the message says why (the caller adds the file name)."""


@dataclass(frozen=True)
class Augmentation:
    """One augmented view: a horizontal flip, a sub-square of the crop, small colour changes."""

    flip: bool = False
    crop_scale: float = 1.0  # side of the sub-square, as a fraction of the evaluation crop
    crop_x: float = 0.5  # where the sub-square sits inside the crop (0 = left, 1 = right)
    crop_y: float = 0.5
    brightness: float = 1.0
    contrast: float = 1.0
    saturation: float = 1.0

    @classmethod
    def random(cls, rng: np.random.Generator, flip: bool, ops: tuple[str, ...]) -> "Augmentation":
        kwargs: dict = {"flip": flip and "flip" in ops}
        if "crop" in ops:
            kwargs.update(crop_scale=float(rng.uniform(0.8, 1.0)), crop_x=float(rng.uniform()), crop_y=float(rng.uniform()))
        if "color" in ops:
            b, c, s = rng.uniform(0.9, 1.1, size=3)
            kwargs.update(brightness=float(b), contrast=float(c), saturation=float(s))
        return cls(**kwargs)


@dataclass(frozen=True)
class ImageSource:
    """What we know about one item before decoding it."""

    label: str  # shown in error messages: the file name, or "<bytes #3>" / "<PIL image #3>"
    data: bytes | Image.Image | None  # None when the item could not even be read
    sha256: str | None
    error: str | None = None


def read_source(item, index: int) -> ImageSource | None:
    """Read one input item's bytes and hash them. ``None`` (no image) gives ``None``.

    A path that cannot be read becomes an ``ImageSource`` carrying the error; a value of the wrong type raises
    ``TypeError`` because that is a programming error, not a bad file.
    """
    if item is None:
        return None
    if isinstance(item, str) and re.match(r"(?i)https?://", item.strip()):
        return ImageSource(item.strip()[:80], None, None, f"{item.strip()[:80]}: a URL; images are read from files, "
                                                          f"never fetched")
    if isinstance(item, (str, os.PathLike)):
        if "\0" in os.fspath(item):
            return ImageSource(repr(os.fspath(item))[:80], None, None, "the image path holds a NUL byte")
        path = Path(item)
        label = path.name or str(path)
        try:
            info = path.stat()
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(info.st_mode):  # a FIFO would block, /dev/zero never ends
                return ImageSource(label, None, None, f"{label}: not a regular file")
            if info.st_size > MAX_IMAGE_BYTES:
                return ImageSource(label, None, None, f"{label}: {info.st_size / 2**20:.1f} MB is over the limit "
                                                      f"of {MAX_IMAGE_BYTES // 2**20} MB per image")
            with open(path, "rb") as handle:
                data = handle.read(MAX_IMAGE_BYTES + 1)  # a file grown since the stat is still bounded
            if len(data) > MAX_IMAGE_BYTES:
                return ImageSource(label, None, None, f"{label}: over the limit of {MAX_IMAGE_BYTES // 2**20} MB "
                                                      f"per image")
        except FileNotFoundError:
            return ImageSource(label, None, None, f"{label}: file not found ({path})")
        except IsADirectoryError:
            return ImageSource(label, None, None, f"{label}: is a directory, not an image file")
        except OSError as exc:
            return ImageSource(label, None, None, f"{label}: cannot read file ({exc.strerror or exc})")
        return _from_bytes(data, label)
    if isinstance(item, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(item), f"<bytes #{index}>")
    if isinstance(item, Image.Image):
        return _from_pil(item, f"<PIL image #{index}>")
    if isinstance(item, np.ndarray):  # an image as OpenCV, imageio or a data set hands it over (RGB order)
        label = f"<array #{index}>"
        try:
            image = Image.fromarray(item)
        except (TypeError, ValueError) as exc:
            return ImageSource(label, None, None, f"{label}: an array of shape {item.shape} and type {item.dtype} "
                                                  f"is no image ({exc})")
        return _from_pil(image, label)
    if hasattr(item, "read"):  # an open file or a stream of an upload
        data = item.read(MAX_IMAGE_BYTES + 1)
        label = str(getattr(item, "name", f"<stream #{index}>"))
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"image #{index}: a stream opened as text; open it with 'rb'")
        if len(data) > MAX_IMAGE_BYTES:
            return ImageSource(label, None, None, f"{label}: over the limit of {MAX_IMAGE_BYTES // 2**20} MB per image")
        return _from_bytes(bytes(data), label)
    raise TypeError(
        f"image #{index}: expected a file path, bytes, a PIL image, a numpy array, a binary stream or None, got "
        f"{type(item).__name__}"
    )


def _from_pil(im: Image.Image, label: str) -> ImageSource:
    """A PIL image, hashed: one opened lazily from a damaged file, or too large to load, is its row's error (it
    failed the whole batch on hashing, before any row was scored; one too large was loaded whole first)."""
    try:
        open_checked(im, DEFAULT_MAX_PIXELS)
        return ImageSource(label, im, "pil-" + _pil_digest(im))
    except ImageDecodeError as exc:
        return ImageSource(label, None, None, f"{label}: {exc}")
    except Exception as exc:  # truncated data, broken chunks, libjpeg errors, as decode_rgb reads them
        return ImageSource(label, None, None, f"{label}: {decode_error(exc)}")


def _pil_digest(im: Image.Image) -> str:
    """SHA-256 of everything decoding reads of a PIL image: its first frame's pixels (`decode_rgb` reads that one,
    wherever the caller left an animation), and what gives them their colours (a palette image's palette, a
    transparent colour) and their orientation (EXIF). The features are cached and shared under it: with the pixels
    alone, a red and a blue palette image of the same indices got the same features."""
    if getattr(im, "n_frames", 1) > 1:
        im.seek(0)
    h = hashlib.sha256()
    h.update(f"{im.mode}|{im.size}|".encode())
    h.update(im.tobytes())  # loads the image: its palette is read by then
    if im.palette is not None:
        h.update(f"|palette {im.palette.mode}|".encode())
        h.update(im.palette.tobytes())
    h.update(f"|transparency {im.info.get('transparency')!r}|orientation {im.getexif().get(_ORIENTATION)}".encode())
    return h.hexdigest()


def _from_bytes(data: bytes, label: str) -> ImageSource:
    if not data:
        return ImageSource(label, None, None, f"{label}: empty file (0 bytes)")
    return ImageSource(label, data, hashlib.sha256(data).hexdigest())


def open_checked(data: bytes | Image.Image, max_pixels: int) -> Image.Image:
    """Open (header only) and refuse unsupported formats and oversized images before decoding."""
    if isinstance(data, Image.Image):
        im = data
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                im = Image.open(io.BytesIO(data), formats=SUPPORTED_FORMATS)
            except UnidentifiedImageError:
                raise ImageDecodeError(
                    "not a supported image (JPEG, PNG, WebP, GIF or BMP expected)"
                ) from None
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                # Pillow's own guard (at 89 MP) fires before ours can read the size: say ours, not Pillow's.
                count = re.search(r"\((\d+) pixels\)", str(exc))
                pixels = f"{int(count.group(1)):,} pixels" if count else "its pixel count"
                raise ImageDecodeError(f"{pixels} is over the limit of {max_pixels:,}, refused before decoding") from None
            except Exception as exc:  # a corrupt header: Pillow raises SyntaxError, ValueError, OSError...
                raise ImageDecodeError(f"corrupt image header ({exc})") from None
    w, h = im.size
    rawmode = getattr(getattr(im, "png", None), "im_rawmode", "") or ""
    deep = im.mode in _HIGH_DEPTH_MODES or ";16" in rawmode
    if deep:
        max_pixels //= HIGH_DEPTH_FACTOR
    if w * h > max_pixels:
        mode = f" for its mode ({im.mode})" if deep else ""
        when = "" if isinstance(data, Image.Image) else ", refused before decoding"  # one given decoded is refused
        raise ImageDecodeError(f"{w}x{h} = {w * h:,} pixels is over the limit of {max_pixels:,}{mode}{when}")
    if w == 0 or h == 0:
        raise ImageDecodeError(f"image has no pixels ({w}x{h})")
    return im


def decode_rgb(data: bytes | Image.Image, size: int, max_pixels: int = DEFAULT_MAX_PIXELS,
               crop_fraction: float = DEFAULT_CROP_FRACTION) -> Image.Image:
    """Decode to an upright RGB PIL image, possibly DCT-downscaled (JPEG) but never below what ``size`` needs."""
    im = open_checked(data, max_pixels)
    try:
        # MPO: a JPEG with more pictures after it (phones write depth or gain maps); the first is a plain JPEG
        if getattr(im, "format", None) in ("JPEG", "MPO") and not isinstance(data, Image.Image):
            need = math.ceil(size / crop_fraction)
            im.draft(None, (need, need))
        if getattr(im, "n_frames", 1) > 1:
            im.seek(0)
        im.load()
        im = ImageOps.exif_transpose(im)
        return to_rgb(im)
    except ImageDecodeError:
        raise
    except Exception as exc:  # truncated data, broken chunks, libjpeg errors...
        raise ImageDecodeError(decode_error(exc)) from None


def decode_error(exc: Exception) -> str:
    """What a failed decoding says: Pillow's words for the commonest case ("image file is truncated (34 bytes not
    processed)") kept as detail."""
    why = "the file is cut short or damaged; " if "truncated" in str(exc) else ""
    return f"cannot decode image: {why}{exc}"


def to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode → 8-bit RGB; 16-bit grey is scaled (not clipped), alpha is composited on white. The 32-bit
    modes are read by their range, as `Image.fromarray` makes them from arrays: "I" holding 0-255 (an int32 array
    of 8-bit grey) as 8-bit, else as 16-bit; "F" holding 0-1 as fractions of white, else as 0-255 (an int32 array
    divided by 257, a float one taken for 0-255, read almost black)."""
    if im.mode in _SIXTEEN_BIT_MODES:
        a = np.asarray(im, dtype=np.float64)
        scale = 1.0 if im.mode == "I" and a.size and a.min() >= 0 and a.max() <= 255 else 257.0
        im = Image.fromarray(np.clip(np.rint(a / scale), 0, 255).astype(np.uint8), "L")
    elif im.mode == "F":
        a = np.nan_to_num(np.asarray(im, dtype=np.float64))
        scale = 255.0 if a.size and a.min() >= 0 and a.max() <= 1 else 1.0
        im = Image.fromarray(np.clip(np.rint(a * scale), 0, 255).astype(np.uint8), "L")
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif im.mode == "La":  # premultiplied grey and alpha: Pillow converts it only to LA
        im = im.convert("LA")
    elif im.mode in ("L", "RGB") and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa"):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        im = background
    if im.mode != "RGB":
        im = im.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV
    return im


def crop_resize(im: Image.Image, size: int, crop_fraction: float = DEFAULT_CROP_FRACTION,
                augmentation: Augmentation | None = None) -> np.ndarray:
    """Central square crop + bicubic resize to (size, size, 3) uint8; an augmentation moves the crop and colours."""
    w, h = im.size
    side = min(w, h) * crop_fraction
    left, top = (w - side) / 2, (h - side) / 2
    aug = augmentation
    if aug is not None and aug.crop_scale < 1.0:
        sub = side * aug.crop_scale
        left += (side - sub) * aug.crop_x
        top += (side - sub) * aug.crop_y
        side = sub
    out = im.resize((size, size), Image.Resampling.BICUBIC, box=(left, top, left + side, top + side))
    if aug is not None:
        if aug.flip:
            out = out.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        if aug.brightness != 1.0:
            out = ImageEnhance.Brightness(out).enhance(aug.brightness)
        if aug.contrast != 1.0:
            out = ImageEnhance.Contrast(out).enhance(aug.contrast)
        if aug.saturation != 1.0:
            out = ImageEnhance.Color(out).enhance(aug.saturation)
    return np.asarray(out, dtype=np.uint8)


def prepare_views(data: bytes | Image.Image, size: int, views: list[Augmentation | None],
                  max_pixels: int = DEFAULT_MAX_PIXELS,
                  crop_fraction: float = DEFAULT_CROP_FRACTION) -> list[np.ndarray]:
    """Decode once, then cut every requested view (``None`` = the plain evaluation view)."""
    im = decode_rgb(data, size, max_pixels, crop_fraction)
    return [crop_resize(im, size, crop_fraction, v) for v in views]
