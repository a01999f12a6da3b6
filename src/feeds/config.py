"""Reading the site configuration from its layers, remembered between builds.

Layers, in rising priority: ``[tool.feeds]`` of pyproject.toml, an optional
``--config`` TOML file, ``FEEDS_*`` environment variables (``__`` for nested
keys: ``FEEDS_AUTHOR__NAME``), command-line overrides. pydantic-settings layers
them; importing it takes about 0.1 s (it imports asyncio), a tenth of an edit
build at 10,000 articles, paid by every build.

So a build remembers the configuration it read (the *memo*,
``.feeds-cache/<output>.site.json`` beside the output), with a hash of all that
the layering read: both files' bytes, every ``FEEDS_*`` variable, the
overrides, the versions of Python, feeds, pydantic, pydantic-core,
pydantic-settings and langcodes, and the source of this module, of
``feeds.models`` and of ``feeds._language``. When
the next load hashes the same, the remembered values are validated again as a
plain ``Site`` (every check but the language tag's registry lookup, which
imports langcodes: no layering, no pydantic-settings); anything else
layers afresh and remembers the result, unless a file changed while it was
read (its stat signature moved). A memo that is missing,
unreadable or of other inputs is ignored, as the build cache is: it can make a
load slower, never different.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import secrets
import sys
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import orjson
from pydantic import BaseModel, ValidationError

from feeds import _language, models
from feeds._distribution import DISTRIBUTION
from feeds.build._cache import installed_version, make_cache_folder
from feeds.errors import ConfigError
from feeds.models import REMEMBERED, Site, _plain_message

_MEMO_FORMAT = b"feeds site memo 1"
_ENV_PREFIX = "FEEDS_"

# The files the layering class reads: (pyproject.toml, --config file).
_config_files: ContextVar[tuple[Path | None, Path | None]] = ContextVar(
    "_config_files", default=(None, None)
)


def load_site(
    pyproject: Path | None = Path("pyproject.toml"),
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    memo: Path | None = None,
) -> Site:
    """Read the site configuration from every layer, or raise ConfigError naming the key.

    With ``memo`` (a file path), reuse the configuration remembered there when
    nothing it was read from changed, and remember this one.
    """
    # The paths as pydantic-settings opens them, so that the bytes hashed are those read.
    files = (_expanded(pyproject), _expanded(config_file))
    if files[1] is not None and not files[1].is_file():
        raise ConfigError(f"{config_file}: no such configuration file")
    before = [_signature(path) for path in files]
    sources = (_read(files[0]), _read(files[1]))
    key = _memo_key(sources, overrides or {}) if memo is not None else ""
    if memo is not None and (site := _remembered(memo, key)) is not None:
        return site
    for path, data in ((files[1], sources[1]), (files[0], sources[0])):
        _check_toml(path, data)
    site = _layered(*files, overrides or {})
    # A file saved while the layering read it again: its bytes may not be those hashed.
    if memo is not None and [_signature(path) for path in files] == before:
        _remember(memo, key, site)
    return site


def describe_config_errors(error: ValidationError, overrides: Iterable[str] = ()) -> str:
    """One line per invalid key, each naming the key (and the ``FEEDS_*`` variable it came
    from, unless an override in ``overrides`` gave it) and the fix."""
    lines = []
    for problem in error.errors():
        path = [str(part) for part in problem["loc"]]
        key = ".".join(path)
        if problem["type"] == "missing":
            message = "missing; set it in [tool.feeds] of pyproject.toml"
        elif problem["type"] == "extra_forbidden" and key == "tool":
            message = "unknown key; a --config file holds the keys themselves, without [tool.feeds]"
        elif problem["type"] == "extra_forbidden":
            message = f"unknown key; {_nearest_key(problem['loc'])}"
        else:
            message = _plain_message(problem)
        variable = _variable_of(path) if path and path[0] not in set(overrides) else None
        if variable:
            key = f"{key} (from {variable})"
        lines.append(f"configuration: {key}: {message}" if key else f"configuration: {message}")
    return "\n".join(lines)


def _nearest_key(location: Sequence[str | int]) -> str:
    """``did you mean 'feed_limit'?`` for an unknown key, or how to fix it."""
    model: type[BaseModel] | None = Site
    for part in location[:-1]:
        if model is None or isinstance(part, int):  # a list's item: the list's model
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    if model is not None:
        known = sorted(model.model_fields)
        close = difflib.get_close_matches(str(location[-1]), known, n=1, cutoff=0.6)
        if close:
            return f"did you mean {close[0]!r}?"
    return "remove it or check its spelling"


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model a field holds, directly, optionally or in a tuple (``tuple[HeaderRule, ...]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        if (model := _model_in(argument)) is not None:
            return model
    return None


def _variable_of(path: Sequence[str]) -> str | None:
    """The ``FEEDS_*`` variable that set the value at ``path`` (``FEEDS_DEPLOY__TARGET``,
    or ``FEEDS_DEPLOY`` holding JSON), as it is spelled in the environment."""
    by_name = {name.upper(): name for name in os.environ}
    for depth in range(len(path), 0, -1):
        wanted = (_ENV_PREFIX + "__".join(path[:depth])).upper()
        if wanted in by_name:
            return by_name[wanted]
    return None


def _expanded(path: Path | None) -> Path | None:
    return None if path is None else path.expanduser()


def _signature(path: Path | None) -> tuple[int, ...] | None:
    """Size, times and inode of a file (None if there is none): equal, not written since."""
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev


def _read(path: Path | None) -> bytes | None:
    """A layer's file as the layering reads it: its bytes, or None if it is no file."""
    if path is None or not path.is_file():
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None


def _check_toml(path: Path | None, data: bytes | None) -> None:
    if path is None or data is None:
        return
    import tomllib  # only a configuration read afresh is parsed here

    try:
        tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _layered(
    pyproject: Path | None, config_file: Path | None, overrides: Mapping[str, Any]
) -> Site:
    from pydantic_settings import SettingsError

    token = _config_files.set((pyproject, config_file))
    try:
        layered = _layering_class()(**overrides)
        return Site.model_validate(layered.model_dump())  # a plain Site: equal, picklable
    except ValidationError as error:
        raise ConfigError(describe_config_errors(error, overrides)) from None
    except SettingsError as error:  # a FEEDS_* variable's JSON that does not parse
        raise ConfigError(_unparsed_variable(error)) from None
    finally:
        _config_files.reset(token)


def _unparsed_variable(error: Exception) -> str:
    """``configuration: FEEDS_AUTHOR: not valid JSON ...``, from pydantic-settings' message,
    which names the field but not the variable."""
    found = re.search(r'field "([^"]+)"', str(error))
    field = found.group(1) if found else ""
    variable = _variable_of([field]) if field else None
    shown = variable or f"{_ENV_PREFIX}{field.upper()}"
    return (
        f"configuration: {field} (from {shown}): not valid JSON; a table or a list "
        f'in a variable is written as JSON, like \'{{"name": "Newsroom"}}\''
    )


@lru_cache(maxsize=1)
def _layering_class() -> type[Site]:
    """``Site`` as a pydantic-settings class, which layers the sources when made."""
    from pydantic_settings import (
        BaseSettings,
        PydanticBaseSettingsSource,
        PyprojectTomlConfigSettingsSource,
        SettingsConfigDict,
        TomlConfigSettingsSource,
    )

    class LayeredSite(BaseSettings, Site):
        model_config = SettingsConfigDict(
            frozen=True,
            extra="forbid",
            env_prefix=_ENV_PREFIX,
            env_nested_delimiter="__",
            pyproject_toml_table_header=("tool", "feeds"),
        )

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            """Flags, then FEEDS_* variables, then --config, then pyproject.toml."""
            pyproject, config_file = _config_files.get()
            return (
                init_settings,
                env_settings,
                TomlConfigSettingsSource(settings_cls, toml_file=config_file),
                # os.devnull is no regular file: the source then reads nothing.
                PyprojectTomlConfigSettingsSource(
                    settings_cls, toml_file=pyproject or Path(os.devnull)
                ),
            )

    return LayeredSite


def _memo_key(sources: tuple[bytes | None, bytes | None], overrides: Mapping[str, Any]) -> str:
    """A hash of everything the layering reads, and of the code that decides how."""
    prefix = _ENV_PREFIX.lower()  # in any case, as pydantic-settings matches it
    environment = [
        (name, value) for name, value in os.environ.items() if name.lower().startswith(prefix)
    ]
    # repr: any value (not only JSON's), its type shown (1 is not "1"), any text escaped.
    head = repr((_layering_versions(), environment, list(overrides.items())))
    digest = hashlib.sha256(_MEMO_FORMAT)
    digest.update(head.encode("utf-8", "backslashreplace") + b"\n")
    for data in (*sources, *_layering_code()):
        digest.update(b"-\n" if data is None else b"%d\n%b" % (len(data), data))
    return digest.hexdigest()


def _layering_versions() -> list[str]:
    libraries = (DISTRIBUTION, "pydantic", "pydantic-core", "pydantic-settings", "langcodes")
    return [sys.version, *map(installed_version, libraries)]


def _layering_code() -> tuple[bytes, ...]:
    """This module's, the models' and the language checks' source: an edited install
    never reuses a memo."""
    return tuple(
        Path(module).read_bytes() for module in (__file__, models.__file__, _language.__file__)
    )


def _remembered(memo: Path, key: str) -> Site | None:
    try:
        document = orjson.loads(memo.read_bytes())
        if document["key"] != key:
            return None
        # Checked when remembered: the language tag is not looked up again (0.1 s).
        return Site.model_validate(document["site"], context={REMEMBERED: True})
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValidationError):
        return None


def _remember(memo: Path, key: str, site: Site) -> None:
    temporary = memo.with_name(f"{memo.name}.{secrets.token_hex(4)}.tmp")
    try:
        data = orjson.dumps({"key": key, "site": site.model_dump(mode="json")})
        make_cache_folder(memo.parent)
        temporary.write_bytes(data)
        temporary.replace(memo)
    except (OSError, orjson.JSONEncodeError):  # no memo this time (an integer JSON cannot hold)
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
