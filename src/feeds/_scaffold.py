"""``feeds init``: a new site's repository, ready to build, preview and publish.

What it writes (``FILES``), from the texts in ``feeds/scaffold/``:

    pyproject.toml              [tool.feeds], and the requirement on feeds
    requirements.txt            that requirement and everything it needs, each pinned
    tasks.py                    one line: the site tasks of ``feeds.tasks``
    seeds/welcome.txt           a first article, dated today
    templates/README.md         what the folder is for (it is empty otherwise)
    static/README.md            the same
    .gitignore                  the build's output and cache, lock files
    .github/workflows/publish.yml  validate, build, deploy: push, hourly, by hand
    .github/workflows/check.yml    validate and build a pull request, no secret
    README.md                   a two-command Quickstart, publishing, upgrading

The requirement is the distribution pinned to the version that runs
``feeds init`` (``feeds-publisher==0.1.0``), or what ``--requirement`` gives:
a requirement, a URL (``git+https://...``) or a path to a wheel or a checkout.
``requirements.txt`` pins the rest as this environment has it: the
distribution's dependencies, recursively, at their installed versions (extras
only where asked for), so that the workflows install exactly what ran here.

Nothing is overwritten: if any file it would write exists, it writes none
and names them. Everything else in the folder (``.git/``, a licence) stays.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from slugify import slugify

from feeds._dates import MONTH_NAMES
from feeds._distribution import DISTRIBUTION
from feeds.errors import ConfigError

# The actions the workflows use, pinned to a commit (the tag in the comment).
ACTIONS = {
    "__CHECKOUT__": "3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1",
    "__SETUP_PYTHON__": "5fda3b95a4ea91299a34e894583c3862153e4b97  # v7.0.0",
    "__CACHE__": "27d5ce7f107fe9357f9df03efb73ab90386fccae  # v5.0.5",
}

# Path in the new site → the text in feeds/scaffold/ it is made from.
FILES = {
    "pyproject.toml": "pyproject.toml.in",
    "requirements.txt": None,  # made from this environment
    "tasks.py": "tasks.py.in",
    "seeds/welcome.txt": "welcome.txt.in",
    "templates/README.md": "templates-README.md.in",
    "static/README.md": "static-README.md.in",
    ".gitignore": "gitignore.in",
    ".github/workflows/publish.yml": "publish.yml.in",
    ".github/workflows/check.yml": "check.yml.in",
    "README.md": "README.md.in",
}


@dataclass(frozen=True)
class NewSite:
    """What ``feeds init`` is told: the folder, the site, and which feeds it installs."""

    folder: Path
    title: str
    base_url: str  # as the configuration writes it (checked, canonical)
    requirement: str  # a PEP 508 requirement on the distribution
    today: date


def write_site(site: NewSite) -> list[Path]:
    """Write the new site's files; raise ConfigError, writing none, if any exists."""
    targets = [site.folder / name for name in FILES]
    taken = [path for path in targets if path.exists() or path.is_symlink()]
    if taken:
        names = ", ".join(str(path) for path in taken)
        raise ConfigError(
            f"{names} already exist{'s' * (len(taken) == 1)}; feeds init writes only new files "
            "(nothing was written)"
        )
    texts = dict(_texts(site))
    for path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as file:
            file.write(texts[path.relative_to(site.folder).as_posix()])
    return targets


def _texts(site: NewSite) -> Iterator[tuple[str, str]]:
    host = urlsplit(site.base_url).hostname or ""
    today = site.today
    values = {
        **ACTIONS,
        "__TITLE__": site.title,
        "__TITLE_COMMENT__": " ".join(site.title.split()),
        "__TITLE_TOML__": _toml_string(site.title),
        "__BASE_URL__": site.base_url,
        "__BASE_URL_TOML__": _toml_string(site.base_url),
        "__HOST__": host,
        "__HOST_TOML__": _toml_string(host),
        "__NAME__": slugify(site.folder.resolve().name) or "site",
        "__REQUIREMENT__": site.requirement.replace("\\", "\\\\").replace('"', '\\"'),
        "__DISTRIBUTION__": DISTRIBUTION,
        "__PYTHON__": f"{sys.version_info.major}.{sys.version_info.minor}",
        "__TODAY__": f"{today.day} {MONTH_NAMES[today.month - 1]}, {today.year}",
    }
    scaffold = files("feeds").joinpath("scaffold")
    for name, source in FILES.items():
        if source is None:
            yield name, locked_requirements(site.requirement)
        else:
            yield name, _filled(scaffold.joinpath(source).read_text(encoding="utf-8"), values)


def _filled(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``__NAME__`` placeholder replaced, in one pass (a value that
    looks like a placeholder stays as it is)."""
    pattern = re.compile("|".join(re.escape(key) for key in values))
    return pattern.sub(lambda match: values[match.group(0)], text)


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's."""
    return json.dumps(text, ensure_ascii=False)


def requirement_for(given: str | None) -> str:
    """The requirement on the distribution that the new site records.

    None: this version, exactly. A requirement naming the distribution is kept
    as it is; a URL (``git+https://...``, ``https://.../x.whl``) or the path of
    a wheel or a checkout becomes a direct reference, ``feeds-publisher @ URL``.
    """
    if given is None:
        return f"{DISTRIBUTION}=={metadata.version(DISTRIBUTION)}"
    given = given.strip()
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", given)
    if name and _normalized(name.group(0)) == _normalized(DISTRIBUTION) and "://" not in given:
        return given
    if re.match(r"[a-z][a-z0-9+.-]*://", given):
        return f"{DISTRIBUTION} @ {given}"
    path = Path(given).expanduser()
    if path.exists():
        return f"{DISTRIBUTION} @ {path.resolve().as_uri()}"
    raise ConfigError(
        f"--requirement {given!r} is neither a requirement on {DISTRIBUTION}, a URL nor an "
        "existing wheel or folder"
    )


def locked_requirements(requirement: str) -> str:
    """requirements.txt: ``requirement``, then every distribution it needs, recursively,
    pinned to the version installed here."""
    version = metadata.version(DISTRIBUTION)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    lines = [
        "# What the site needs to build and publish, every version pinned, so that a new",
        "# release of any of them cannot change or stop publishing. Written by",
        f"# feeds init ({DISTRIBUTION} {version}, Python {python}); upgrading: README.md.",
        requirement,
        *pinned_dependencies(),
    ]
    return "\n".join(lines) + "\n"


def pinned_dependencies() -> list[str]:
    """``name==version`` for every distribution feeds needs to run, recursively, as
    installed here; by name."""
    names = [
        name for name in _needed(DISTRIBUTION) if _normalized(name) != _normalized(DISTRIBUTION)
    ]
    return [
        f"{metadata.distribution(name).metadata['Name']}=={metadata.version(name)}"
        for name in sorted(names, key=_normalized)
    ]


def _needed(name: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """``name`` and every installed distribution it requires, recursively."""
    needed: set[str] = set()
    pending = [(name, extras)]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        current, wanted = pending.pop()
        key = (_normalized(current), wanted)
        if key in seen:
            continue
        seen.add(key)
        try:
            requirements = metadata.requires(current) or []
        except metadata.PackageNotFoundError:
            continue  # not installed here: its marker excluded it (another platform)
        needed.add(current)
        for line in requirements:
            requirement = _parse_requirement(line, wanted)
            if requirement is not None:
                pending.append(requirement)
    return needed


def _parse_requirement(line: str, extras: frozenset[str]) -> tuple[str, frozenset[str]] | None:
    """(name, extras) of a requirement line of a distribution's metadata, or None when it
    belongs to an extra not asked for. Other markers (platform, Python version) are not
    evaluated: a requirement counts if its distribution is installed here."""
    spec, _, marker = line.partition(";")
    wanted_extra = re.findall(r"""extra\s*==\s*['"]([^'"]+)['"]""", marker)
    if wanted_extra and not {_normalized(extra) for extra in wanted_extra} & extras:
        return None
    found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?", spec)
    if not found:
        return None
    own_extras = frozenset(
        _normalized(extra) for extra in (found.group(2) or "").split(",") if extra.strip()
    )
    return found.group(1), own_extras


def _normalized(name: str) -> str:
    """A distribution name as package indexes compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()
