"""A site's own look: its ``templates/`` and ``static/`` folders, read safely and whole.

    templates/   Jinja templates; each overrides the packaged template of the same
                 name (``base.html``, ``article.html``...), which stays reachable
                 as ``feeds/<name>`` so that an override can extend it
    static/      files copied into the output as they are (logo, favicon, CSS)

Where: the ``templates`` and ``static`` settings, relative to the working
directory as ``--seeds`` is; by default ``templates/`` and ``static/`` there,
when they exist (a folder named in the configuration must exist).

What is read: every file below each folder, in a fixed order, except hidden
files and folders (``.gitkeep``; ``static/.well-known/`` is kept, hosts serve it)
and a ``README.md`` at the top of either folder, which explains the folder to
people. Below each folder no link is followed, as below the seeds folder
(``feeds._seeds``): a file that is a link, or a link to a folder, is a problem
naming it (never its target, never its content), and so is a FIFO, socket or
device; the folder itself may be a link. A template must be UTF-8 text; a
site's ``templates/feeds/`` would hide the packaged ones and is a problem too.

Both folders are read before a build renders anything (they are small: a few
templates, a logo), so that their digests decide what the build cache may keep
and the files the build uses are exactly those hashed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path

from feeds._digest import content_digest
from feeds._seeds import linked, linked_folder, not_regular, read_file, unreadable
from feeds.errors import ConfigError, SeedError, ThemeErrors
from feeds.models import Site

TEMPLATES = "templates"
STATIC = "static"
PACKAGE_PREFIX = "feeds/"  # the packaged templates' names, for an override to extend
README = "README.md"  # at the top of either folder: for people, never used
WELL_KNOWN = ".well-known"  # the one hidden folder static hosts serve
_TEMPLATE_KIND = "templates/ holds text templates only; put other files in static/"
_STATIC_KIND = "static/ holds regular files only"


@dataclass(frozen=True)
class Theme:
    """The site's templates (name → text) and static files (output path → bytes), with
    the folders they came from as the site names them (``templates``)."""

    templates: Mapping[str, str] = field(default_factory=dict)
    static: Mapping[str, bytes] = field(default_factory=dict)
    templates_folder: str = TEMPLATES
    static_folder: str = STATIC

    def template_path(self, name: str) -> str:
        """A site template's path as problems name it: ``templates/base.html``."""
        return f"{self.templates_folder.rstrip('/')}/{name}"

    def static_path(self, name: str) -> str:
        """A static file's path as problems name it: ``static/logo.png``."""
        return f"{self.static_folder.rstrip('/')}/{name}"

    def signature(self, name: str) -> str:
        """A digest of what a template name resolves to: the site's template, else the
        packaged one (``feeds/<name>`` always the packaged one); "" for none."""
        if name in self.templates:
            return _digest(b"site\0" + self.templates[name].encode())
        return packaged_signature(name.removeprefix(PACKAGE_PREFIX))

    @cached_property
    def templates_digest(self) -> str:
        """One digest of every site template: equal, every page renders the same."""
        digest = hashlib.sha256()
        for name in sorted(self.templates):
            digest.update(f"{name}\0{self.signature(name)}\n".encode())
        return digest.hexdigest()

    @cached_property
    def digest(self) -> str:
        """One digest of the templates and static files: equal, the build's output is too."""
        digest = hashlib.sha256(self.templates_digest.encode() + b"\n")
        for path in sorted(self.static):
            digest.update(f"{path}\0{content_digest(self.static[path])}\n".encode())
        return digest.hexdigest()


PACKAGED = Theme()  # no site templates, no static files: the package's look
_in_use = PACKAGED


@contextmanager
def using(theme: Theme) -> Iterator[None]:
    """Render with ``theme`` in the block (and in worker processes forked in it); the
    previous one afterwards. The renderers look it up (``in_use``)."""
    global _in_use
    previous, _in_use = _in_use, theme
    try:
        yield
    finally:
        _in_use = previous


def in_use() -> Theme:
    """The theme pages are rendered with now (``using``; by default ``PACKAGED``)."""
    return _in_use


def packaged_template(name: str) -> tuple[str, str] | None:
    """A packaged template's text and file name; None if there is no such template."""
    if not name or name.startswith("/") or ".." in name.split("/"):
        return None
    path = files("feeds").joinpath(TEMPLATES, *name.split("/"))
    if not path.is_file():
        return None
    return path.read_bytes().decode("utf-8"), str(path)


def packaged_signature(name: str) -> str:
    """``Theme.signature`` of a packaged template ("" if there is none)."""
    return _packaged_signatures().get(name, "")


@cache
def _packaged_signatures() -> dict[str, str]:
    folder = files("feeds").joinpath(TEMPLATES)
    return {
        item.name: _digest(b"feeds\0" + item.read_bytes())
        for item in folder.iterdir()
        if item.is_file()
    }


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_theme(site: Site) -> Theme:
    """The site's templates and static files; ThemeErrors naming every refused or
    unreadable file, ConfigError for a configured folder that does not exist."""
    problems: list[SeedError] = []
    templates_folder = _folder(site.templates, TEMPLATES, "templates")
    static_folder = _folder(site.static, STATIC, "static")
    templates: dict[str, str] = {}
    static: dict[str, bytes] = {}
    if templates_folder is not None:
        for name, path in _files(templates_folder, problems, hidden_kept=()):
            data = _read(path, _TEMPLATE_KIND, problems)
            if data is None:
                continue
            if name.startswith(PACKAGE_PREFIX):
                problems.append(
                    SeedError(
                        path,
                        0,
                        f"the name {PACKAGE_PREFIX} is kept for the packaged templates "
                        f"(extend one as '{PACKAGE_PREFIX}base.html'); rename this folder",
                    )
                )
                continue
            try:
                templates[name] = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                line = data[: error.start].count(b"\n") + 1
                problems.append(SeedError(path, line, f"is not UTF-8 text; {_TEMPLATE_KIND}"))
    if static_folder is not None:
        for name, path in _files(static_folder, problems, hidden_kept=(WELL_KNOWN,)):
            data = _read(path, _STATIC_KIND, problems)
            if data is not None:
                static[name] = data
    if problems:
        raise ThemeErrors(problems)
    return Theme(
        templates,
        static,
        templates_folder or site.templates or TEMPLATES,
        static_folder or site.static or STATIC,
    )


def _folder(configured: str | None, default: str, key: str) -> str | None:
    """The folder to read, as the site names it; None where there is none to read."""
    folder = configured or default
    if Path(folder).is_dir():
        return folder
    if configured is None:
        return None  # the default folder is optional
    raise ConfigError(
        f"configuration: {key}: {configured!r} is not a folder; create it or fix {key}"
    )


def _files(
    folder: str, problems: list[SeedError], hidden_kept: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(name below the folder, path) of every file to read, sorted; a problem for
    each link and each file that is not a regular file."""
    found: list[tuple[str, str]] = []
    _walk(folder, "", found, problems, hidden_kept)
    return sorted(found)


def _walk(
    folder: str,
    prefix: str,
    found: list[tuple[str, str]],
    problems: list[SeedError],
    hidden_kept: tuple[str, ...],
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        problems.append(unreadable(folder, error))
        return
    for entry in entries:
        name = prefix + entry.name
        hidden = entry.name.startswith(".") and not (not prefix and entry.name in hidden_kept)
        if hidden or (not prefix and entry.name == README):
            continue
        try:
            if entry.is_symlink():
                problems.append(linked_folder(entry.path) if entry.is_dir() else linked(entry.path))
            elif entry.is_dir(follow_symlinks=False):
                _walk(entry.path, name + "/", found, problems, hidden_kept)
            elif entry.is_file(follow_symlinks=False):
                found.append((name, entry.path))
            else:
                mode = entry.stat(follow_symlinks=False).st_mode
                problems.append(not_regular(entry.path, mode, "only regular files are used"))
        except OSError:  # gone since it was listed: as if it had never been there
            continue


def _read(path: str, expected: str, problems: list[SeedError]) -> bytes | None:
    """A file's bytes, opened without following a link (as seeds are); None after a problem."""
    try:
        return read_file(path, expected)
    except SeedError as problem:  # a link or a FIFO put there since it was listed
        problems.append(problem)
    except OSError as error:
        problems.append(unreadable(path, error))
    return None
