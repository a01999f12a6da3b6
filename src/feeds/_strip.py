"""Removing what can endanger a source from an image's bytes, without re-encoding it.

A photo carries more than its pixels: EXIF GPS coordinates and other location
fields, the camera's and lens's serial numbers, the owner's name, XMP and IPTC
blocks (with their own location fields), comments, a thumbnail of the picture
before it was cropped, further pictures appended after the first (a phone's
depth map or preview, each with EXIF of its own). Each filter here walks its
format's container and keeps, by an allow-list, only what a browser needs to
show the picture as the author saw it: the coded picture itself, its colour
profile (ICC, sRGB, gamma, HDR metadata), transparency and animation, and the
EXIF orientation, rewritten as an EXIF block of that one field. Everything else
goes, including blocks no filter knows. The picture's coded bytes are copied as
they are, so the pixels are identical and the output is the same for the same
input.

    JPEG   segments up to each scan, then the scan's coded data; kept: the
           frame, tables, scans, JFIF (without its thumbnail), ICC_PROFILE,
           Adobe (colour transform); EXIF reduced to its orientation; the
           file ends at the first picture's end (EOI)
    PNG    chunks; kept: critical chunks, colour (tRNS gAMA cHRM sRGB iCCP sBIT
           cICP mDCV cLLI), bKGD, pHYs, APNG (acTL fcTL fdAT); eXIf reduced to
           its orientation; CRCs checked
    WebP   RIFF chunks; kept: VP8X (flags updated), ICCP, ANIM, ANMF, ALPH, VP8,
           VP8L; EXIF reduced to its orientation
    GIF    blocks; kept: images, graphic control and plain text extensions, the
           looping (NETSCAPE2.0, ANIMEXTS1.0) and ICC application extensions
    AVIF   not rewritten (its metadata items sit at offsets that other boxes
           point to): a file with an Exif or XMP item, or a movie's user data,
           is refused (``Refused``); others are published as they are

A file that does not follow its format's structure is ``Malformed``.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

JPEG, PNG, WEBP, GIF, AVIF = "jpeg", "png", "webp", "gif", "avif"
ORIENTATION_TAG = 0x0112
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_EXIF_HEADER = b"Exif\x00\x00"


class Malformed(ValueError):
    """The bytes do not follow their format's structure."""


class Refused(ValueError):
    """The file is well-formed, but feeds cannot remove its metadata without re-encoding it."""


@dataclass(frozen=True)
class Stripped:
    """An image's bytes without its metadata, and the EXIF orientation kept (1: none)."""

    data: bytes
    orientation: int


def detect(data: bytes) -> str | None:
    """The format of an image by its first bytes (never its name), if one feeds publishes."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[4:8] == b"ftyp" and _is_avif(data):
        return AVIF
    return None


def strip(data: bytes, kind: str) -> Stripped:
    """The image without its metadata (see the module's docstring); Malformed or Refused."""
    try:
        return _FILTERS[kind](data)
    except (IndexError, struct.error) as error:  # read past the end: the file is cut short
        raise Malformed("it ends in the middle of a block (cut short?)") from error


# EXIF -------------------------------------------------------------------------------


def exif_orientation(tiff: bytes) -> int:
    """The orientation (1 to 8) an EXIF (TIFF) block gives its picture; 1 if none or invalid."""
    if len(tiff) < 8 or tiff[:4] not in (b"MM\x00\x2a", b"II\x2a\x00"):
        return 1
    order = ">" if tiff[:2] == b"MM" else "<"
    (offset,) = struct.unpack_from(order + "I", tiff, 4)
    if offset + 2 > len(tiff):
        return 1
    (count,) = struct.unpack_from(order + "H", tiff, offset)
    for index in range(count):
        entry = offset + 2 + 12 * index
        if entry + 12 > len(tiff):
            return 1
        tag, kind, number = struct.unpack_from(order + "HHI", tiff, entry)
        if tag == ORIENTATION_TAG:
            (value,) = struct.unpack_from(order + "H", tiff, entry + 8)
            return value if kind == 3 and number == 1 and 1 <= value <= 8 else 1
    return 1


def orientation_exif(orientation: int) -> bytes:
    """An EXIF (TIFF) block holding nothing but the orientation: one IFD of one entry."""
    return struct.pack(">2sHIHHHIHHI", b"MM", 42, 8, 1, ORIENTATION_TAG, 3, 1, orientation, 0, 0)


# JPEG -------------------------------------------------------------------------------

_SOF = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)})
# Tables and markers between or before scans that decoding needs: DHT, DAC, DQT, DNL,
# DRI, DHP, EXP.
_TABLES = frozenset({0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF})
_SOS, _EOI, _APP0, _APP1, _APP2, _APP14 = 0xDA, 0xD9, 0xE0, 0xE1, 0xE2, 0xEE


def _strip_jpeg(data: bytes) -> Stripped:
    out = bytearray(b"\xff\xd8")
    position = 2
    orientation = 1
    seen_exif = seen_frame = False
    while True:
        marker, position = _jpeg_marker(data, position)
        if marker == _EOI:
            if not seen_frame:
                raise Malformed("it ends before its picture")
            out += b"\xff\xd9"  # anything after the first picture's end is dropped
            return Stripped(bytes(out), orientation)
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # TEM, RSTn outside a scan: no length
            continue
        (length,) = struct.unpack_from(">H", data, position)
        end = position + length
        if length < 2 or end > len(data):
            raise Malformed(f"a segment (marker {marker:#04x}) runs past the end of the file")
        body = data[position + 2 : end]
        segment = data[position - 2 : end]
        if marker in _SOF:
            seen_frame = True
            out += segment
        elif marker in _TABLES:
            out += segment
        elif marker == _SOS:
            if not seen_frame:
                raise Malformed("a scan comes before the frame header")
            scan_end = _scan_end(data, end)
            out += data[position - 2 : scan_end]
            position = scan_end
            continue
        elif marker == _APP0 and body.startswith(b"JFIF\x00") and len(body) >= 14:
            out += _jfif_without_thumbnail(body)
        elif marker == _APP1 and body.startswith(_EXIF_HEADER) and not seen_exif:
            seen_exif = True  # the first EXIF block is the one readers use
            orientation = exif_orientation(body[len(_EXIF_HEADER) :])
            if orientation != 1:
                out += _jpeg_segment(_APP1, _EXIF_HEADER + orientation_exif(orientation))
        elif (marker == _APP2 and body.startswith(b"ICC_PROFILE\x00")) or (
            marker == _APP14 and body.startswith(b"Adobe")
        ):
            out += segment
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):  # APPn, COM: dropped
            raise Malformed(f"it has a marker ({marker:#04x}) no browser decodes")
        position = end


def _jpeg_marker(data: bytes, position: int) -> tuple[int, int]:
    """The marker at ``position`` (after any fill bytes) and where its segment starts."""
    if data[position] != 0xFF:
        raise Malformed(f"expected a marker at byte {position}")
    while data[position] == 0xFF:
        position += 1
    return data[position], position + 1


def _scan_end(data: bytes, position: int) -> int:
    """Where a scan's coded data ends: at the first marker that is no restart marker
    and no stuffed byte (FF 00)."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0:
            raise Malformed("it ends in the middle of a scan (cut short?)")
        following = position + 1
        while data[following] == 0xFF:  # fill bytes
            following += 1
        if data[following] == 0x00 or 0xD0 <= data[following] <= 0xD7:
            position = following + 1
            continue
        return following - 1


def _jfif_without_thumbnail(body: bytes) -> bytes:
    """JFIF's APP0 with its thumbnail (of the picture before any crop) left out."""
    return _jpeg_segment(_APP0, body[:12] + b"\x00\x00")


def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body


# PNG --------------------------------------------------------------------------------

_PNG_KEPT = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND",
        b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"cICP", b"mDCV", b"cLLI",
        b"mDCv", b"cLLi",  # the names HDR metadata had before the third edition
        b"bKGD", b"pHYs",
        b"acTL", b"fcTL", b"fdAT",
    }
)  # fmt: skip


def _strip_png(data: bytes) -> Stripped:
    out = bytearray(_PNG_SIGNATURE)
    position = len(_PNG_SIGNATURE)
    orientation = 1
    first = True
    seen_exif = False
    while True:
        (length,) = struct.unpack_from(">I", data, position)
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            raise Malformed(f"a {_name(kind)} chunk runs past the end of the file")
        chunk = data[position:end]
        if zlib.crc32(chunk[4:-4]) != struct.unpack_from(">I", chunk, len(chunk) - 4)[0]:
            raise Malformed(f"the {_name(kind)} chunk is damaged (its checksum is wrong)")
        if first and kind != b"IHDR":
            raise Malformed("it does not start with its header (IHDR)")
        first = False
        if kind in _PNG_KEPT:
            out += chunk
        elif kind == b"eXIf" and not seen_exif:
            seen_exif = True
            orientation = exif_orientation(chunk[8:-4])
            if orientation != 1:
                out += _png_chunk(b"eXIf", orientation_exif(orientation))
        elif not kind[0] & 0x20:  # an unknown critical chunk: no decoder can show the picture
            raise Malformed(f"it has a critical chunk ({_name(kind)}) no browser decodes")
        if kind == b"IEND":
            return Stripped(bytes(out), orientation)
        position = end


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _name(kind: bytes) -> str:
    return repr(kind.decode("latin-1"))


# WebP -------------------------------------------------------------------------------

_WEBP_KEPT = frozenset({b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"})
_WEBP_EXIF_FLAG, _WEBP_XMP_FLAG = 0x08, 0x04


def _strip_webp(data: bytes) -> Stripped:
    (size,) = struct.unpack_from("<I", data, 4)
    end_of_riff = 8 + size
    if end_of_riff > len(data) or size < 4:
        raise Malformed("its RIFF header gives a size larger than the file")
    chunks: list[bytes] = []
    orientation = 1
    extended = data[12:16] == b"VP8X"  # only the extended format may carry EXIF
    seen_exif = not extended
    position = 12
    while position < end_of_riff:
        if position + 8 > end_of_riff:
            raise Malformed("it ends in the middle of a chunk header (cut short?)")
        kind = data[position : position + 4]
        (length,) = struct.unpack_from("<I", data, position + 4)
        end = position + 8 + length + (length & 1)
        if position + 8 + length > end_of_riff:
            raise Malformed(f"a {_name(kind)} chunk runs past the end of the file")
        chunk = data[position : position + 8 + length] + b"\x00" * (length & 1)
        if kind in _WEBP_KEPT:
            chunks.append(chunk)
        elif kind == b"EXIF" and not seen_exif:
            seen_exif = True
            body = chunk[8 : 8 + length].removeprefix(_EXIF_HEADER)
            orientation = exif_orientation(body)
            if orientation != 1:
                chunks.append(_riff_chunk(b"EXIF", orientation_exif(orientation)))
        position = end
    if not chunks:
        raise Malformed("it holds no picture")
    if chunks[0].startswith(b"VP8X"):
        flags = chunks[0][8] & ~(_WEBP_EXIF_FLAG | _WEBP_XMP_FLAG)
        flags |= _WEBP_EXIF_FLAG if orientation != 1 else 0
        chunks[0] = chunks[0][:8] + bytes([flags]) + chunks[0][9:]
    body = b"WEBP" + b"".join(chunks)
    return Stripped(b"RIFF" + struct.pack("<I", len(body)) + body, orientation)


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) & 1)


# GIF --------------------------------------------------------------------------------

_GIF_APPLICATIONS_KEPT = (b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")
_GRAPHIC_CONTROL, _PLAIN_TEXT, _APPLICATION = 0xF9, 0x01, 0xFF


def _strip_gif(data: bytes) -> Stripped:
    packed = data[10]
    position = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    out = bytearray(data[:position])
    while True:
        block = data[position]
        if block == 0x3B:  # the trailer: anything after it is dropped
            out.append(0x3B)
            return Stripped(bytes(out), 1)
        if block == 0x2C:  # an image: descriptor, colour table, LZW code size, data
            flags = data[position + 9]
            start = position
            position += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
            position = _sub_blocks_end(data, position)
            out += data[start:position]
        elif block == 0x21:
            label = data[position + 1]
            end = _sub_blocks_end(data, position + 2)
            application = data[position + 3 : position + 14]
            if label in (_GRAPHIC_CONTROL, _PLAIN_TEXT) or (
                label == _APPLICATION and application in _GIF_APPLICATIONS_KEPT
            ):
                out += data[position:end]
            position = end  # comments, XMP and other applications' data: dropped
        else:
            raise Malformed(f"it has an unknown block ({block:#04x}) at byte {position}")


def _sub_blocks_end(data: bytes, position: int) -> int:
    """The position after a chain of data sub-blocks (each its length, then its bytes)."""
    while data[position]:
        position += data[position] + 1
    return position + 1


# AVIF -------------------------------------------------------------------------------

_XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
_AVIF_BRANDS = (b"avif", b"avis")
HOW_TO_STRIP_AVIF = (
    "remove it without re-encoding, e.g. 'exiftool -exif:all= -xmp:all= FILE' "
    "(which keeps the colour profile), or export the picture again without metadata"
)


def _is_avif(data: bytes) -> bool:
    (size,) = struct.unpack_from(">I", data, 0)
    brands = data[8:12] + data[16:size]
    return any(brands[at : at + 4] in _AVIF_BRANDS for at in range(0, len(brands), 4))


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """The ISO BMFF boxes from ``start`` to ``end``: (type, body start, body end) each."""
    boxes = []
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, position + 8)
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise Malformed(f"a box ({_name(kind)}) runs past the end of its container")
        boxes.append((kind, position + header, position + size))
        position += size
    if position != end:
        raise Malformed("it ends in the middle of a box (cut short?)")
    return boxes


def _check_avif(data: bytes) -> Stripped:
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind == b"meta":
            _check_items(data, start + 4, end)
        elif kind == b"uuid" and data[start : start + 16] == _XMP_UUID:
            raise Refused(f"it carries XMP metadata; {HOW_TO_STRIP_AVIF}")
        elif kind == b"moov" and _has_user_data(data, start, end):
            raise Refused(f"it carries user data (metadata) in its movie box; {HOW_TO_STRIP_AVIF}")
    return Stripped(data, 1)


def _check_items(data: bytes, start: int, end: int) -> None:
    """Refuse a ``meta`` box with an Exif or XMP item."""
    for kind, body, stop in _boxes(data, start, end):
        if kind != b"iinf":
            continue
        version = data[body]
        for entry, entry_start, entry_end in _boxes(data, body + (6 if version == 0 else 8), stop):
            if entry != b"infe" or data[entry_start] < 2:
                continue
            at = entry_start + 4 + (4 if data[entry_start] >= 3 else 2) + 2
            item_type = data[at : at + 4]
            content_type = data[at + 4 : entry_end].split(b"\x00")[1:2]
            if item_type == b"Exif":
                raise Refused(f"it carries EXIF metadata; {HOW_TO_STRIP_AVIF}")
            if item_type == b"mime" and content_type == [b"application/rdf+xml"]:
                raise Refused(f"it carries XMP metadata; {HOW_TO_STRIP_AVIF}")


def _has_user_data(data: bytes, start: int, end: int) -> bool:
    """Whether a movie box holds user data or metadata (``udta``, ``meta``) at any depth."""
    for kind, body, stop in _boxes(data, start, end):
        if kind in (b"udta", b"meta"):
            return True
        if kind in (b"trak", b"mdia", b"minf") and _has_user_data(data, body, stop):
            return True
    return False


_FILTERS = {
    JPEG: _strip_jpeg,
    PNG: _strip_png,
    WEBP: _strip_webp,
    GIF: _strip_gif,
    AVIF: _check_avif,
}
