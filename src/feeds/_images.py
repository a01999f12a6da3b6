"""Reading the images articles show: checked, stripped of metadata, content-addressed.

An article names its lead image with ``image: media/summit.jpg``, a path
relative to its seed file's folder. ``ImageResolver.resolve`` turns that into
the ``ImageFile`` it is published as, or an ``ImageProblem`` saying why not:

    where     the path stays inside the seeds folder; no part of it below that
              folder is a symbolic link (each folder is opened without following
              one, ``feeds._below``), and the file is a regular file
              of at most ``max_image_bytes``, refused before it is read
    what      JPEG, PNG, WebP, GIF or AVIF, known by its bytes, never its name
              (no SVG: it can carry script), and readable as such by Pillow
    publish   the bytes without their metadata (``feeds._strip``), at
              ``media/<hash of those bytes>/<name>.<ext>``, with the width and
              height a browser shows (after the EXIF orientation)

A resolver remembers each file's stat signature (size, times, inode, as the
build cache does for seeds): an unchanged file is not read again. Nothing here
ever prints a byte of an image. ``published_bytes`` reads a file back when its
unit is rendered, and refuses one changed since it was resolved.

For a Markdown body's local images, the same rules hold through the same call:
while reading (where ``lead`` resolves the lead image, so that problems are
reported with the others), ``resolve(seed, src)`` gives each image's
``ImageFile`` (or an ``ImageProblem`` for a ``file:line`` error); keep the files
on the article (``Article.image_files`` lists what the build publishes and keys
its outputs by), and render ``<img src>`` from ``file.path`` (relative on pages,
``image_url`` in feeds and the API) with ``file.width`` and ``file.height``.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from slugify import slugify

from feeds import _strip
from feeds._below import Refused, open_below
from feeds._digest import content_digest
from feeds.errors import SeedError
from feeds.models import Article, ImageFile, Site, quote

MEDIA_ROOT = "media/"
_HASH_LENGTH = 16  # hex digits of the published bytes' hash in the URL: 64 bits
_EXTENSIONS = {
    _strip.JPEG: "jpg",
    _strip.PNG: "png",
    _strip.WEBP: "webp",
    _strip.GIF: "gif",
    _strip.AVIF: "avif",
}
MEDIA_TYPES = {
    _strip.JPEG: "image/jpeg",
    _strip.PNG: "image/png",
    _strip.WEBP: "image/webp",
    _strip.GIF: "image/gif",
    _strip.AVIF: "image/avif",
}
_PILLOW_FORMATS = {
    _strip.JPEG: ("JPEG", "MPO"),
    _strip.PNG: ("PNG",),
    _strip.WEBP: ("WEBP",),
    _strip.GIF: ("GIF",),
    _strip.AVIF: ("AVIF",),
}
_ALLOWED = "JPEG, PNG, WebP, GIF or AVIF"
_SETTLED_NS = 2_000_000_000  # as for seeds: a file unchanged for 2 s can be known by its stat


class ImageProblem(Exception):
    """Why an image cannot be published; its message never quotes the file's content."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def image_location(root: str, seed: str, src: str) -> str:
    """The path below ``root`` of the image ``src`` names from the seed file ``seed``
    ('/'-separated); ImageProblem if it leads out of the seeds folder."""
    folder = os.path.relpath(os.path.dirname(seed) or ".", root)  # noqa: PTH120
    relative = posixpath.normpath(posixpath.join(folder.replace(os.sep, "/"), src))
    if src.startswith("/") or relative == ".." or relative.startswith("../"):
        raise ImageProblem(
            f"leads out of the seeds folder ({root}); keep images inside it, like "
            "'media/summit.jpg'"
        )
    if relative == ".":
        raise ImageProblem("names a folder; give the path of the picture's file")
    return relative


def _open_below(root: str, relative: str) -> int:
    """A descriptor of the file at ``relative`` below ``root``, no link followed below
    ``root`` (``feeds._below``); ImageProblem otherwise."""
    try:
        return open_below(root, relative.split("/"))
    except Refused as refused:
        if refused.link:
            raise ImageProblem(
                f"{refused.shown} is a symbolic link, which feeds never follows (it could "
                "lead to any file on the machine); put the picture itself there"
            ) from None
        if refused.missing:
            raise ImageProblem(f"no such file ({refused.shown} below the seeds folder)") from None
        raise ImageProblem(f"cannot read {refused.shown}: {refused.strerror}") from None
    except ValueError:  # a name the system cannot take (no path a seed can write)
        raise ImageProblem(f"no such file ({quote(relative)} below the seeds folder)") from None


def read_image(root: str, relative: str, limit: int) -> tuple[bytes, str]:
    """The bytes of the image file at ``relative`` below ``root`` and its stat
    signature ("" if too recent to be trusted); ImageProblem if it cannot be published."""
    descriptor = _open_below(root, relative)
    try:
        status = os.fstat(descriptor)
        _check_status(status, relative, limit)
        data = os.read(descriptor, status.st_size + 1)
        while len(data) <= limit and (chunk := os.read(descriptor, 1 << 20)):
            data += chunk
    except OSError as error:
        raise ImageProblem(f"cannot read {relative}: {error.strerror}") from None
    finally:
        os.close(descriptor)
    if len(data) > limit:  # grown since fstat
        _check_size(len(data), relative, limit)
    return data, _signature(status)


def _check_status(status: os.stat_result, relative: str, limit: int) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise ImageProblem(f"{relative} is a folder; give the path of the picture's file")
    if not stat.S_ISREG(status.st_mode):
        raise ImageProblem(f"{relative} is no regular file (a FIFO, socket or device)")
    _check_size(status.st_size, relative, limit)


def _check_size(size: int, relative: str, limit: int) -> None:
    if size > limit:
        raise ImageProblem(
            f"{relative} is {size:,} bytes, more than max_image_bytes ({limit:,}); resize or "
            "compress the picture, or raise max_image_bytes in [tool.feeds] of pyproject.toml"
        )


def _signature(status: os.stat_result) -> str:
    """Size, times, inode and device; "" if changed too recently to be trusted."""
    if max(status.st_mtime_ns, status.st_ctime_ns) > time.time_ns() - _SETTLED_NS:
        return ""
    return (
        f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}:"
        f"{status.st_dev}"
    )


def current_signature(root: str, relative: str) -> str:
    """The stat signature of the image file, found as ``read_image`` finds it (no link
    followed); "" if it cannot be trusted or there is no such file."""
    try:
        descriptor = _open_below(root, relative)
    except (ImageProblem, OSError):
        return ""
    try:
        return _signature(os.fstat(descriptor))
    except OSError:
        return ""
    finally:
        os.close(descriptor)


def image_url(site: Site, file: ImageFile) -> str:
    """The absolute URL of a published image (feeds, JSON Feed, the API, og:image)."""
    return site.url(file.path)


@dataclass(frozen=True)
class Published:
    """An image as it is published: its file's description and its bytes."""

    file: ImageFile
    data: bytes


def publish_image(data: bytes, relative: str, root: str = "") -> Published:
    """The published form of an image file's bytes (``relative``: its path below the
    seeds folder, whose name the URL keeps); ImageProblem if it is no image feeds
    publishes. Pure: the same bytes give the same result."""
    kind = _strip.detect(data)
    if kind is None:
        raise ImageProblem(f"{relative} is not a {_ALLOWED} image{_what_it_is(data)}")
    try:
        stripped = _strip.strip(data, kind)
    except _strip.Refused as refused:
        raise ImageProblem(f"{relative}: {refused}") from None
    except _strip.Malformed as malformed:
        raise ImageProblem(f"{relative} is a damaged {kind.upper()} file: {malformed}") from None
    width, height, orientation = _measure(stripped.data, kind, relative)
    if kind != _strip.AVIF:
        orientation = stripped.orientation
    if orientation in (5, 6, 7, 8):  # turned a quarter: a browser shows it on its side
        width, height = height, width
    name = slugify(posixpath.splitext(posixpath.basename(relative))[0], max_length=60) or "image"
    digest = content_digest(stripped.data)
    path = f"{MEDIA_ROOT}{digest[:_HASH_LENGTH]}/{name}.{_EXTENSIONS[kind]}"
    file = ImageFile(
        path=path,
        width=width,
        height=height,
        length=len(stripped.data),
        media_type=MEDIA_TYPES[kind],
        source=relative,
        source_digest=content_digest(data),
        root=root,
    )
    return Published(file, stripped.data)


def _measure(data: bytes, kind: str, relative: str) -> tuple[int, int, int]:
    """Width and height as stored, and (AVIF) the orientation its boxes give, read
    by Pillow from the headers (no pixel is decoded)."""
    from PIL import Image, UnidentifiedImageError  # 40 ms: only builds with images pay

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[kind]) as image:
                if image.format not in _PILLOW_FORMATS[kind]:
                    raise UnidentifiedImageError(image.format)
                width, height = image.size
                orientation = image.getexif().get(_strip.ORIENTATION_TAG, 1)
    except Image.DecompressionBombError:
        raise ImageProblem(
            f"{relative} has too many pixels for a browser to show; resize it"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageProblem(
            f"{relative} cannot be read as a {kind.upper()} image (damaged?); save it again"
        ) from None
    return width, height, orientation if isinstance(orientation, int) else 1


def _what_it_is(data: bytes) -> str:
    """What a file that is no allowed image seems to be, for the message."""
    head = data[:512].lstrip().lower()
    if b"<svg" in head or (head.startswith(b"<?xml") and b"svg" in head):
        return " (it is SVG, which can carry script; export it as PNG)"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        return " (it is HEIC; export it as JPEG or AVIF)"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return " (it is TIFF; export it as JPEG or PNG)"
    if not data:
        return " (it is empty)"
    return ""


@dataclass
class ImageResolver:
    """Resolves articles' images below one seeds folder, reading only files whose stat
    signature is not ``known`` (path → (signature, ImageFile as JSON)); what it reads
    it adds to ``learned``."""

    root: str
    limit: int
    known: Mapping[str, tuple[str, bytes]] = field(default_factory=dict)
    learned: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @classmethod
    def for_site(
        cls, root: str, site: Site, known: Mapping[str, tuple[str, bytes]] | None = None
    ) -> ImageResolver:
        return cls(root, site.max_image_bytes, known or {})

    def resolve(self, seed: str, src: str) -> ImageFile:
        """The published file of the image ``src`` (a path relative to the seed's folder)
        that the seed file ``seed`` names; ImageProblem if it cannot be published."""
        relative = image_location(self.root, seed, src)
        signature = current_signature(self.root, relative)
        row = self.learned.get(relative) or self.known.get(relative)
        if signature and row and row[0] == signature:
            file = ImageFile.model_validate_json(row[1])
            return file.model_copy(update={"root": self.root})
        data, signature = read_image(self.root, relative, self.limit)
        file = publish_image(data, relative, self.root).file
        # Learnt even when too recent to be trusted (signature ""): a build with nothing
        # else to do must still look at it again.
        self.learned[relative] = (signature, file.model_dump_json().encode())
        return file

    def lead(self, article: Article) -> Article | list[SeedError]:
        """The article with its images' files (the lead image's, its body's local
        ones), or the problems with them (each at its line)."""
        problems = []
        image = article.image
        if image is not None:
            try:
                image = image.model_copy(update={"file": self.resolve(article.source, image.src)})
            except ImageProblem as problem:
                problems.append(SeedError(article.source, image.line, f"image: {problem.message}"))
        body_images = []
        for path, line in article.images:
            try:
                body_images.append((path, self.resolve(article.source, path)))
            except ImageProblem as problem:
                problems.append(
                    SeedError(article.source, line, f"image {quote(path)}: {problem.message}")
                )
        if problems:
            return problems
        if image is article.image and not body_images:
            return article
        return article.replaced(image=image, body_images=tuple(body_images))

    def unchanged(self, recorded: Mapping[str, tuple[str, bytes]]) -> bool:
        """Whether every ``recorded`` image file still holds what it held (its stat, or
        else its bytes, say so; a file only touched is learnt anew)."""
        for relative, (signature, row) in recorded.items():
            if signature and current_signature(self.root, relative) == signature:
                continue
            try:
                data, now = read_image(self.root, relative, self.limit)
            except ImageProblem:
                return False
            if content_digest(data) != ImageFile.model_validate_json(row).source_digest:
                return False
            if now:
                self.learned[relative] = (now, row)
        return True


def published_bytes(file: ImageFile) -> bytes:
    """The bytes to publish of a resolved image file, read again; a SeedError-shaped
    ImageProblem if the file changed since it was resolved."""
    data, _ = read_image(file.root, file.source, 1 << 62)
    if content_digest(data) != file.source_digest:
        raise ImageProblem(
            f"{file.source} changed while the build was running, or since the cache saw it; "
            "build again"
        )
    return publish_image(data, file.source, file.root).data
