"""Metadata removal without re-encoding: images made here with Pillow, carrying GPS,
serial numbers, owner names, XMP, comments and thumbnails, come out with none of them,
their pixels, colour profile and orientation unchanged."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageSequence, PngImagePlugin

from feeds import _strip
from feeds._images import ImageProblem, publish_image

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
SERIAL, OWNER, LENS_SERIAL, ARTIST = 0xA431, 0xA430, 0xA435, 0x013B
SECRET = b"Jane Source"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="35,41.37N" exif:GPSLongitude="139,41.50E"/></rdf:RDF></x:xmpmeta>'
)
ICC = b"\x00\x00\x02\x0cfake icc profile: kept, as display needs it" + bytes(480)


def picture(size: tuple[int, int] = (40, 30), mode: str = "RGB") -> Image.Image:
    """A small picture whose pixels all differ, so any re-encoding would show."""
    image = Image.new(mode, size)
    image.putdata(
        [
            (x * 6 % 256, y * 8 % 256, (x * y) % 256, 200)[: len(mode)]
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    return image


def dangerous_exif(orientation: int = 1) -> Image.Exif:
    """EXIF with what can endanger a source: GPS, serial numbers, owner and artist names."""
    exif = Image.Exif()
    exif[0x010F] = "FakeCam"
    exif[ARTIST] = SECRET.decode()
    if orientation != 1:
        exif[_strip.ORIENTATION_TAG] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (35.0, 41.0, 22.2), "E", (139.0, 41.0, 30.1)
    details = exif.get_ifd(EXIF_IFD)
    details[SERIAL], details[OWNER], details[LENS_SERIAL] = "SN-0042", SECRET.decode(), "L-7"
    return exif


def saved(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def assert_safe(data: bytes) -> None:
    """Read back with Pillow: no GPS, no serial, no owner, no XMP, no comment."""
    assert SECRET not in data and b"SN-0042" not in data and b"GPSLatitude" not in data
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(GPS_IFD)
        assert not exif.get_ifd(EXIF_IFD)
        assert set(exif) <= {_strip.ORIENTATION_TAG}
        assert "xmp" not in image.info and "comment" not in image.info
        assert not getattr(image, "text", {})


def pixels(data: bytes) -> list[bytes]:
    """Every frame's decoded pixels."""
    with Image.open(io.BytesIO(data)) as image:
        return [frame.convert("RGBA").tobytes() for frame in ImageSequence.Iterator(image)]


def orientation_of(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        return image.getexif().get(_strip.ORIENTATION_TAG, 1)


@pytest.mark.parametrize("orientation", [1, 6])
def test_jpeg_loses_gps_serials_xmp_comment_and_keeps_pixels_icc_orientation(orientation):
    """A JPEG's EXIF shrinks to its orientation; XMP, COM and the rest go; ICC stays."""
    original = saved(
        picture(),
        "JPEG",
        exif=dangerous_exif(orientation),
        icc_profile=ICC,
        comment=b"met " + SECRET,
        xmp=XMP,
        quality=90,
    )
    stripped = _strip.strip(original, _strip.JPEG)
    assert_safe(stripped.data)
    assert pixels(stripped.data) == pixels(original)
    assert stripped.orientation == orientation_of(stripped.data) == orientation
    with Image.open(io.BytesIO(stripped.data)) as image:
        assert image.info["icc_profile"] == ICC
    assert _strip.strip(stripped.data, _strip.JPEG) == stripped  # deterministic, idempotent


def test_jpeg_keeps_only_the_first_picture_and_no_jfif_thumbnail():
    """Pictures appended after the first (MPF: a phone's depth map, with its own EXIF) and
    a JFIF thumbnail (the picture before a crop) are removed."""
    first = saved(picture(), "JPEG", quality=90)
    second = saved(picture((20, 20)), "JPEG", exif=dangerous_exif())
    jfif = struct.pack(">2sH5sBBBHHBB", b"\xff\xe0", 16 + 12, b"JFIF\x00", 1, 1, 0, 1, 1, 2, 2)
    data = first[:2] + jfif + bytes(12) + first[2:] + second
    stripped = _strip.strip(data, _strip.JPEG).data
    assert stripped.endswith(b"\xff\xd9") and SECRET not in stripped
    assert b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" in stripped  # thumbnail: 0×0
    assert pixels(stripped) == pixels(first)


def test_progressive_jpeg_keeps_every_scan():
    """A progressive JPEG's scans and the tables between them are all kept."""
    original = saved(picture((64, 48)), "JPEG", progressive=True, exif=dangerous_exif())
    stripped = _strip.strip(original, _strip.JPEG).data
    assert_safe(stripped)
    assert pixels(stripped) == pixels(original)


def png_with_metadata(orientation: int = 1) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET.decode())
    info.add_text("Comment", "taken at 35.69N 139.69E", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return saved(
        picture(mode="RGBA"),
        "PNG",
        pnginfo=info,
        exif=dangerous_exif(orientation),
        icc_profile=ICC,
    )


@pytest.mark.parametrize("orientation", [1, 8])
def test_png_loses_text_xmp_and_exif_and_keeps_pixels_and_icc(orientation):
    """tEXt, zTXt, iTXt (XMP) go; eXIf keeps only the orientation; iCCP and pixels stay."""
    original = png_with_metadata(orientation)
    stripped = _strip.strip(original, _strip.PNG)
    assert_safe(stripped.data)
    assert pixels(stripped.data) == pixels(original)
    assert stripped.orientation == orientation_of(stripped.data) == orientation
    with Image.open(io.BytesIO(stripped.data)) as image:
        assert image.info["icc_profile"] == ICC


def test_png_animation_is_kept():
    """APNG frames (acTL, fcTL, fdAT) survive."""
    frames = [picture(), picture().rotate(180)]
    original = saved(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)
    stripped = _strip.strip(original, _strip.PNG).data
    assert pixels(stripped) == pixels(original) and len(pixels(stripped)) == 2


def test_png_with_a_damaged_chunk_is_malformed():
    """A chunk whose checksum is wrong makes the file malformed, never published."""
    original = bytearray(saved(picture(), "PNG"))
    original[40] ^= 0xFF
    with pytest.raises(_strip.Malformed, match="checksum"):
        _strip.strip(bytes(original), _strip.PNG)


@pytest.mark.parametrize("orientation", [1, 3])
def test_webp_loses_exif_and_xmp_and_keeps_pixels_and_icc(orientation):
    """WebP: XMP goes, EXIF keeps only the orientation, VP8X flags follow, ICC stays."""
    original = saved(
        picture(),
        "WEBP",
        lossless=True,
        exif=dangerous_exif(orientation),
        xmp=XMP,
        icc_profile=ICC,
    )
    stripped = _strip.strip(original, _strip.WEBP)
    assert_safe(stripped.data)
    assert pixels(stripped.data) == pixels(original)
    assert stripped.orientation == orientation_of(stripped.data) == orientation
    flags = stripped.data[20]
    assert not flags & 0x04 and bool(flags & 0x08) == (orientation != 1)
    assert struct.unpack_from("<I", stripped.data, 4)[0] == len(stripped.data) - 8


def test_animated_gif_loses_comments_and_xmp_and_keeps_frames():
    """GIF: comment and XMP application blocks go; frames and looping stay."""
    frames = [picture().convert("P"), picture().rotate(90).convert("P")]
    original = saved(
        frames[0], "GIF", save_all=True, append_images=frames[1:], loop=0, comment=SECRET
    )
    xmp_block = b"\x21\xff\x0bXMP DataXMP" + XMP + bytes(range(0xFF, -1, -1)) + b"\x00"
    original = original[:-1] + xmp_block + b"\x3b"
    stripped = _strip.strip(original, _strip.GIF).data
    assert_safe(stripped)
    assert b"NETSCAPE2.0" in stripped
    assert pixels(stripped) == pixels(original) and len(pixels(stripped)) == 2


def test_avif_with_exif_or_xmp_is_refused_and_says_how_to_strip_it():
    """An AVIF file with an Exif or XMP item is refused (stripping it would mean moving
    the boxes other boxes point into); one without is published as it is."""
    clean = saved(picture(), "AVIF")
    assert _strip.strip(clean, _strip.AVIF).data == clean
    for options in ({"exif": dangerous_exif().tobytes()}, {"xmp": XMP}):
        with pytest.raises(_strip.Refused, match="exiftool"):
            _strip.strip(saved(picture(), "AVIF", **options), _strip.AVIF)


def test_formats_are_known_by_their_bytes():
    """Each format by its signature; SVG, text and HEIC are none of them."""
    assert _strip.detect(saved(picture(), "JPEG")) == _strip.JPEG
    assert _strip.detect(saved(picture(), "PNG")) == _strip.PNG
    assert _strip.detect(saved(picture(), "WEBP")) == _strip.WEBP
    assert _strip.detect(saved(picture().convert("P"), "GIF")) == _strip.GIF
    assert _strip.detect(saved(picture(), "AVIF")) == _strip.AVIF
    assert _strip.detect(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>') is None
    assert _strip.detect(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00heicmif1") is None


def test_published_size_follows_the_orientation():
    """A picture turned a quarter by its EXIF is published with width and height swapped."""
    data = saved(picture((40, 30)), "JPEG", exif=dangerous_exif(6))
    published = publish_image(data, "media/Summit Photo.JPG")
    assert (published.file.width, published.file.height) == (30, 40)
    assert published.file.path.startswith("media/") and published.file.path.endswith(
        "/summit-photo.jpg"
    )
    assert published.file.length == len(published.data)


def test_an_svg_or_a_text_file_is_not_published():
    """SVG (it can carry script) and text are refused, named as what they are."""
    with pytest.raises(ImageProblem, match="SVG"):
        publish_image(b"<?xml version='1.0'?><svg/>", "a.jpg")
    with pytest.raises(ImageProblem, match="not a JPEG, PNG, WebP, GIF or AVIF"):
        publish_image(b"just text", "a.png")


SAMPLES = {
    _strip.JPEG: saved(picture(), "JPEG", exif=dangerous_exif(6)),
    _strip.PNG: png_with_metadata(),
    _strip.WEBP: saved(picture(), "WEBP", exif=dangerous_exif(), xmp=XMP),
    _strip.GIF: saved(picture().convert("P"), "GIF", comment=SECRET),
    _strip.AVIF: saved(picture(), "AVIF"),
}


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(sorted(SAMPLES)),
    cut=st.integers(min_value=0),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)), max_size=4),
)
def test_any_damaged_file_is_stripped_or_malformed(kind, cut, flips):
    """Cut short or with bytes changed, a file gives stripped bytes or Malformed/Refused,
    never another exception; and stripped bytes strip to themselves."""
    data = bytearray(SAMPLES[kind][: max(16, cut % (len(SAMPLES[kind]) + 1))])
    for position, mask in flips:
        data[position % len(data)] ^= mask
    try:
        stripped = _strip.strip(bytes(data), kind)
    except (_strip.Malformed, _strip.Refused):
        return
    again = _strip.strip(stripped.data, kind)
    assert again.data == stripped.data


def test_orientation_exif_reads_back():
    """The EXIF block feeds writes holds the orientation, and only it."""
    for orientation in range(1, 9):
        block = _strip.orientation_exif(orientation)
        assert _strip.exif_orientation(block) == orientation
    assert zlib.crc32(_strip.orientation_exif(6)) == zlib.crc32(_strip.orientation_exif(6))
