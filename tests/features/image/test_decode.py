import io
import struct

import numpy as np
import pytest
from PIL import Image

from features.image.decode import (
    Augmentation,
    ImageDecodeError,
    crop_resize,
    decode_rgb,
    prepare_views,
    read_source,
    to_rgb,
)


def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def solid(mode, size, colour):
    return Image.new(mode, size, colour)


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "GIF"])
def test_lossless_formats_decode_to_exact_rgb(fmt):
    data = encode(solid("RGB", (40, 30), (10, 200, 30)), fmt)
    (view,) = prepare_views(data, 16, [None])
    assert view.shape == (16, 16, 3) and view.dtype == np.uint8
    assert (view == (10, 200, 30)).all()


def test_webp_lossless_and_jpeg_decode_close_to_the_colour():
    webp = encode(solid("RGB", (40, 30), (10, 200, 30)), "WEBP", lossless=True)
    assert (prepare_views(webp, 16, [None])[0] == (10, 200, 30)).all()
    jpeg = encode(solid("RGB", (40, 30), (10, 200, 30)), "JPEG", quality=95)
    assert np.abs(prepare_views(jpeg, 16, [None])[0].astype(int) - (10, 200, 30)).max() <= 3


def test_gif_keeps_the_first_frame():
    frames = [solid("RGB", (20, 20), (255, 0, 0)), solid("RGB", (20, 20), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert (prepare_views(buf.getvalue(), 8, [None])[0] == (255, 0, 0)).all()


def test_exif_orientation_is_applied():
    im = Image.new("RGB", (40, 20), (255, 0, 0))
    im.paste((0, 0, 255), (20, 0, 40, 20))  # left half red, right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display": the left half ends on top
    data = encode(im, "PNG", exif=exif)
    upright = decode_rgb(data, 8)
    assert upright.size == (20, 40)
    a = np.asarray(upright)
    assert (a[:20] == (255, 0, 0)).all() and (a[20:] == (0, 0, 255)).all()


def test_colour_modes_convert_to_rgb():
    grey = prepare_views(encode(solid("L", (10, 10), 77), "PNG"), 8, [None])[0]
    assert (grey == 77).all()
    pal = solid("RGB", (10, 10), (12, 34, 56)).convert("P", palette=Image.Palette.ADAPTIVE)
    assert (prepare_views(encode(pal, "PNG"), 8, [None])[0] == (12, 34, 56)).all()
    cmyk = prepare_views(encode(solid("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95), 8, [None])[0]
    assert np.abs(cmyk.astype(int) - (255, 0, 0)).max() <= 3  # CMYK (0, 100%, 100%, 0) is red


def test_sixteen_bit_grey_is_scaled_not_clipped():
    a = np.full((10, 10), 32896, dtype=np.uint16)  # 128 * 257
    a[:, 5:] = 65535
    data = encode(Image.fromarray(a), "PNG")
    im = Image.open(io.BytesIO(data))
    assert im.mode.startswith("I")
    rgb = np.asarray(decode_rgb(data, 8))
    assert (rgb[:, :5] == 128).all() and (rgb[:, 5:] == 255).all()


def test_alpha_is_composited_on_white():
    im = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    im.paste((9, 99, 199, 255), (0, 0, 5, 10))
    a = np.asarray(decode_rgb(encode(im, "PNG"), 8))
    assert (a[:, :5] == (9, 99, 199)).all() and (a[:, 5:] == 255).all()
    pal = im.convert("P")  # palette with a transparent index
    b = np.asarray(decode_rgb(encode(pal, "PNG"), 8))
    assert (b[:, 5:] == 255).all()
    # premultiplied grey (an image handed to the Python API; no file decodes to it): Pillow refused it as RGBA
    grey = Image.merge("La", (Image.new("L", (10, 10), 60), Image.new("L", (10, 10), 255)))
    grey.paste((0, 0), (5, 0, 10, 10))
    c = np.asarray(decode_rgb(grey, 8))
    assert (c[:, :5] == 60).all() and (c[:, 5:] == 255).all()


def test_jpeg_is_dct_downscaled_but_never_below_what_the_crop_needs():
    data = encode(solid("RGB", (640, 480), (100, 100, 100)), "JPEG")
    assert decode_rgb(data, 160).size == (320, 240)  # 240 >= 160 / 0.875
    assert decode_rgb(data, 224).size == (640, 480)  # 240 < 256: full size needed
    assert decode_rgb(data, 32).size == (80, 60)  # 1/8 is libjpeg's smallest scale


def test_a_phones_jpeg_with_more_pictures_after_it_is_downscaled_too():
    """Pillow reads a JPEG with a depth or gain map after it as MPO: it was decoded at full size (65 ms, not 10)."""
    picture = solid("RGB", (640, 480), (100, 100, 100))
    data = encode(picture, "MPO", save_all=True, append_images=[picture.resize((64, 48))])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert decode_rgb(data, 160).size == (320, 240)


def test_crop_is_central_square_of_the_shorter_side():
    im = Image.new("RGB", (300, 100), (0, 0, 0))
    im.paste((255, 255, 255), (90, 0, 210, 100))  # white around the central 100 x 100 square (bicubic reach)
    assert (crop_resize(im, 10, crop_fraction=1.0) == 255).all()
    assert (crop_resize(im, 10, crop_fraction=0.5) == 255).all()


def test_flip_augmentation_mirrors_the_view():
    im = Image.new("RGB", (20, 20), (255, 0, 0))
    im.paste((0, 0, 255), (10, 0, 20, 20))
    plain = crop_resize(im, 20, 1.0)
    flipped = crop_resize(im, 20, 1.0, Augmentation(flip=True))
    assert np.array_equal(flipped, plain[:, ::-1])


def test_random_augmentation_is_seeded():
    a = Augmentation.random(np.random.default_rng(3), flip=True, ops=("flip", "crop", "color"))
    b = Augmentation.random(np.random.default_rng(3), flip=True, ops=("flip", "crop", "color"))
    assert a == b and a.flip and 0.8 <= a.crop_scale <= 1.0 and 0.9 <= a.brightness <= 1.1
    assert Augmentation.random(np.random.default_rng(3), flip=True, ops=("crop",)).flip is False


# --- bad input ----------------------------------------------------------------------------------------------


def test_not_an_image_is_refused():
    with pytest.raises(ImageDecodeError, match="not a supported image"):
        decode_rgb(b"hello, I am a text file\n" * 10, 32)


def test_unsupported_format_is_refused():
    with pytest.raises(ImageDecodeError, match="not a supported image"):
        decode_rgb(encode(solid("RGB", (8, 8), 0), "TIFF"), 32)


def test_truncated_jpeg_is_refused():
    rng = np.random.default_rng(0)
    data = encode(Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)), "JPEG")
    with pytest.raises(ImageDecodeError, match="cannot decode image.*truncated"):
        decode_rgb(data[: len(data) // 2], 32)


def test_oversized_image_is_refused_from_its_header():
    data = bytearray(encode(solid("RGB", (4, 4), 0), "BMP"))
    struct.pack_into("<ii", data, 18, 5000, 5000)  # header claims 25 MP; the pixel data is 48 bytes
    with pytest.raises(ImageDecodeError, match="5000x5000 = 25,000,000 pixels is over the limit of 1,000,000, refused before decoding"):
        decode_rgb(bytes(data), 32, max_pixels=1_000_000)
    with pytest.raises(ImageDecodeError, match="over the limit of 100"):
        decode_rgb(encode(solid("RGB", (20, 20), 0), "PNG"), 32, max_pixels=100)
    with pytest.raises(ImageDecodeError, match="^20x20 = 400 pixels is over the limit of 100$"):  # given decoded
        decode_rgb(solid("RGB", (20, 20), 0), 32, max_pixels=100)
    bomb = bytearray(data)
    struct.pack_into("<ii", bomb, 18, 30000, 30000)  # 900 MP: Pillow's own guard answers first, our limit is said
    with pytest.raises(ImageDecodeError, match="^900,000,000 pixels is over the limit of 40,000,000, refused before"):
        decode_rgb(bytes(bomb), 32)


def test_read_source_errors_name_the_file(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert read_source(empty, 0).error == "empty.jpg: empty file (0 bytes)"
    missing = read_source(tmp_path / "gone.png", 0)
    assert missing.error.startswith("gone.png: file not found")
    assert read_source(tmp_path, 0).error.endswith("is a directory, not an image file")
    assert read_source(None, 0) is None
    assert read_source(b"", 4).error == "<bytes #4>: empty file (0 bytes)"
    with pytest.raises(TypeError, match="image #2: expected a file path, bytes, a PIL image, a numpy array, a "
                                        "binary stream or None, got int"):
        read_source(7, 2)
    assert read_source(" https://example.com/a.png", 0).error == ("https://example.com/a.png: a URL; images are read "
                                                                  "from files, never fetched")  # not "file not found"


def test_arrays_streams_and_32_bit_modes_read_as_the_same_picture():
    """An int32 or float array made into a PIL image (mode I or F) was read almost black; an array or an open file
    stopped the whole batch with a TypeError."""
    grey = (np.arange(48 * 48).reshape(48, 48) % 256).astype(np.uint8)
    png = io.BytesIO()
    Image.fromarray(grey).save(png, format="PNG")
    png.seek(0)
    expected = np.asarray(to_rgb(Image.fromarray(grey)))
    for item in (grey, np.stack([grey] * 3, axis=-1), Image.fromarray(grey.astype(np.int32)),
                 Image.fromarray(grey.astype(np.float32) / 255), Image.fromarray(grey.astype(np.float32))):
        source = read_source(item, 0)
        assert source.error is None and np.array_equal(np.asarray(to_rgb(source.data)), expected)
    assert read_source(png, 0).data == png.getvalue()  # read whole, then decoded as bytes are
    assert read_source(np.zeros((3, 3, 7)), 5).error.startswith("<array #5>: an array of shape (3, 3, 7)")
    sixteen = Image.fromarray((grey.astype(np.int32) * 257))  # 16-bit grey in mode I: scaled down, as before
    assert np.array_equal(np.asarray(to_rgb(sixteen)), expected)


def test_read_source_hashes_content():
    a = read_source(b"abc", 0)
    assert a.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    pil = read_source(solid("RGB", (2, 2), 0), 1)
    assert pil.sha256.startswith("pil-") and pil.label == "<PIL image #1>"


def test_paths_that_are_not_plain_image_files_are_refused_without_reading_them(tmp_path):
    import os

    from features.image.decode import MAX_IMAGE_BYTES, read_source

    fifo = tmp_path / "x.jpg"
    os.mkfifo(fifo)  # reading it would block forever
    assert read_source(str(fifo), 0).error == "x.jpg: not a regular file"
    assert read_source("/dev/zero", 0).error == "zero: not a regular file"  # reading it would never end
    assert read_source("photo\0.jpg", 0).error == "the image path holds a NUL byte"
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff" * (MAX_IMAGE_BYTES + 1))
    assert "over the limit of 20 MB per image" in read_source(str(big), 0).error


def test_a_deep_image_has_a_smaller_pixel_limit(tmp_path):
    import numpy as np
    from PIL import Image

    from features.image.decode import HIGH_DEPTH_FACTOR, ImageDecodeError, open_checked

    path = tmp_path / "deep.png"
    Image.fromarray(np.zeros((3000, 3000), dtype=np.uint16)).save(path)  # 16 bits per pixel: a few kB on disk
    with pytest.raises(ImageDecodeError, match=r"over the limit of 5,000,000 for its mode \(I;16\)"):
        open_checked(path.read_bytes(), 40_000_000)
    open_checked(path.read_bytes(), 9_000_000 * HIGH_DEPTH_FACTOR)  # within the limit for its depth


def test_pil_images_that_differ_only_in_palette_transparency_or_orientation_hash_apart():
    """The hash keys the feature cache and the batch's distinct images: a red and a blue palette image of the same
    indices hashed alike, and the second was given the first's features."""
    def palette_image(colour, **info):
        image = Image.new("P", (8, 8), 0)
        image.putpalette(list(colour) * 256)
        image.info.update(info)
        return image

    red, blue = palette_image((255, 0, 0)), palette_image((0, 0, 255))
    assert decode_rgb(red, 8).getpixel((0, 0)) != decode_rgb(blue, 8).getpixel((0, 0))
    digests = {read_source(image, 0).sha256 for image in (red, blue, palette_image((255, 0, 0), transparency=0))}
    upright, turned = solid("RGB", (4, 2), 0), solid("RGB", (4, 2), 0)
    turned.getexif()[0x0112] = 6  # rotated 90°: decoded 2 × 4
    assert decode_rgb(turned, 8).size != decode_rgb(upright, 8).size
    digests |= {read_source(image, 0).sha256 for image in (upright, turned)}
    assert len(digests) == 5
    assert read_source(palette_image((255, 0, 0)), 0).sha256 == read_source(red, 0).sha256


def test_a_pil_image_of_a_damaged_file_is_its_rows_error_and_an_animation_is_hashed_at_its_first_frame(tmp_path):
    """A PIL image opened lazily from a cut-short file failed the whole batch when hashed; one the caller had
    moved to a later frame was hashed there, and its features (of the first frame) cached under that frame."""
    whole = encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (60, 80, 3), np.uint8)), "PNG")
    (tmp_path / "cut.png").write_bytes(whole[:len(whole) // 2])
    cut = read_source(Image.open(tmp_path / "cut.png"), 3)
    assert cut.error == "<PIL image #3>: cannot decode image: the file is cut short or damaged; image file is truncated"
    frames = [solid("RGB", (4, 4), (255, 0, 0)), solid("RGB", (4, 4), (0, 0, 255))]
    frames[0].save(tmp_path / "two.gif", save_all=True, append_images=frames[1:])
    moved = Image.open(tmp_path / "two.gif")
    moved.seek(1)
    assert read_source(moved, 0).sha256 == read_source(Image.open(tmp_path / "two.gif"), 0).sha256
    assert read_source(Image.new("L", (10_000, 5_000)), 0).error.startswith("<PIL image #0>: 10000x5000 = 50,000,000 "
                                                                           "pixels is over the limit of 40,000,000")
