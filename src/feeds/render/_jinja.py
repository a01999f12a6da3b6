"""The Jinja environment of the HTML pages: the site's templates over the packaged ones.

A site's own templates (read by ``feeds._theme``) override the packaged ones
by name; ``feeds/<name>`` is always the packaged one, so that an override can
extend it. A build sets the site's theme (``feeds._theme.using``); one
environment is made for each set of templates in use.

Errors. Whatever a site's template raises (a syntax error, an undefined name,
a ``TypeError``...) becomes ``ThemeErrors`` naming its file and line
(``templates/base.html:3: 'artcle' is undefined``); ``check_templates`` finds
what it can without rendering (syntax, unknown filters, missing or
self-referencing templates). An error with no site template on its stack is a
bug in feeds and keeps its traceback.

Dependencies. ``recording`` notes the names of the templates looked up while
rendering (the page's, its parents', includes and imports);
``template_signatures`` says what each name resolves to. The build cache keeps
them beside each rendered unit, so that an edited template re-renders exactly
the pages that used it.

Compiled templates are kept in the build cache's folder
(``keep_compiled_templates``); Jinja keys each by name and file name and checks
the source's checksum before using it, so an edited override is compiled again.
"""

from __future__ import annotations

import pickle
import shutil
import traceback
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    Environment,
    FileSystemBytecodeCache,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    Undefined,
    UndefinedError,
    nodes,
    select_autoescape,
)
from jinja2.bccache import Bucket

from feeds._dates import MONTH_NAMES
from feeds._seeds import article_path
from feeds._theme import PACKAGE_PREFIX, Theme, in_use, packaged_template
from feeds.errors import SeedError, ThemeErrors

RAW_TEMPLATES = frozenset({"style.css"})  # in templates/, yet used as they are

# The folder of compiled templates (``keep_compiled_templates``), the environment
# made for the templates in use (with their digest), and the template names looked
# up so far (``recording``; None: not recording).
_compiled: FileSystemBytecodeCache | None = None
_made: tuple[str, Environment] | None = None
_used: set[str] | None = None


def human_date(moment: datetime) -> str:
    """'23 August 2025', in English whatever the locale."""
    return f"{moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year}"


def site_template(name: str) -> str | None:
    """The text of the site's own template ``name``, if it has one."""
    return in_use().templates.get(name)


@contextmanager
def recording() -> Iterator[set[str]]:
    """The names of the templates looked up in the block (an outer recording gets them too)."""
    global _used
    outer = _used
    used: set[str] = set()
    _used = used
    try:
        yield used
    finally:
        _used = outer
        if outer is not None:
            outer.update(used)


def note_templates(names: Iterable[str]) -> None:
    """Count templates as looked up (a piece rendered earlier from them is shown)."""
    if _used is not None:
        _used.update(names)


def template_signatures(names: Iterable[str]) -> dict[str, str]:
    """What each template name resolves to now (``Theme.signature``), by name."""
    return {name: in_use().signature(name) for name in sorted(names)}


def template_signature(name: str) -> str:
    """``Theme.signature`` of one template name, with the templates in use."""
    return in_use().signature(name)


def _environment() -> Environment:
    """The environment of the templates in use, made once for them."""
    global _made
    theme = in_use()
    if _made is None or _made[0] != theme.templates_digest:
        made = _make_environment(theme)
        made.bytecode_cache = _compiled
        _made = (theme.templates_digest, made)
    return _made[1]


def forget_environment() -> None:
    """Compile the templates again when next used (as a new process would)."""
    global _made
    _made = None


# The functions every template can call: these, and those the renderers add.
_GLOBALS: dict[str, Callable[..., Any]] = {"article_path": article_path, "human_date": human_date}


def template_globals(**functions: Callable[..., Any]) -> None:
    """Let every template call these functions (as ``feeds.render.html`` does)."""
    _GLOBALS.update(functions)


def _make_environment(theme: Theme) -> Environment:
    made = _ThemeEnvironment(
        loader=_ThemeLoader(theme),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # read once a build: no stat() of every template on every page
    )
    made.template_class = _ThemeTemplate
    made.globals.update(_GLOBALS)
    return made


class _ThemeLoader(BaseLoader):
    """The site's templates, then the packaged ones; ``feeds/<name>``: the packaged one."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template in self.theme.templates:
            return self.theme.templates[template], self.theme.template_path(template), _fresh
        found = packaged_template(template.removeprefix(PACKAGE_PREFIX))
        if found is None:
            raise TemplateNotFound(template)
        return found[0], found[1], _fresh


def _fresh() -> bool:
    return True  # read for this build, and unchanged during it


class _ThemeEnvironment(Environment):
    """Notes every template name looked up (``recording``): pages, parents, includes."""

    def get_template(
        self,
        name: str | Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        if _used is not None and isinstance(name, str):
            _used.add(self.join_path(name, parent) if parent else name)
        return super().get_template(name, parent, globals)

    def select_template(
        self,
        names: Iterable[str | Template],
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        if _used is not None and not isinstance(names, Undefined):
            names = list(names)
            _used.update(name for name in names if isinstance(name, str))
        return super().select_template(names, parent, globals)


class _ThemeTemplate(Template):
    """A template whose errors in a site's templates become ``ThemeErrors``."""

    def render(self, *args: Any, **kwargs: Any) -> str:  # noqa: ANN401  (Jinja's signature)
        with template_problems():
            return super().render(*args, **kwargs)


@contextmanager
def template_problems() -> Iterator[None]:
    """Turn an exception raised in one of the site's templates into ``ThemeErrors``
    naming its file and line; any other is a bug in feeds and goes on as it is."""
    try:
        yield
    except ThemeErrors:
        raise
    # A site's template is code the site wrote: whatever it raises is the site's
    # to fix, and reported as such (a bug of feeds has no site template frame).
    except Exception as error:
        problem = _site_problem(error)
        if problem is None:
            raise
        raise ThemeErrors([problem]) from None


def _site_problem(error: Exception) -> SeedError | None:
    """``templates/x.html:line: message`` for an error raised in a site template."""
    theme = in_use()
    paths = {theme.template_path(name) for name in theme.templates}
    if isinstance(error, TemplateSyntaxError) and error.filename in paths:
        return SeedError(error.filename or "", error.lineno, error.message or str(error))
    # Jinja gives each template's frames its file name and line numbers; the
    # frames are looked at, never the files (no source line is read).
    frames = [
        (frame.f_code.co_filename, line)
        for frame, line in traceback.walk_tb(error.__traceback__)
        if frame.f_code.co_filename in paths
    ]
    if not frames:
        return None
    path, line = frames[-1]
    return SeedError(path, line or 0, _describe(error, path))


def _describe(error: Exception, path: str) -> str:
    if isinstance(error, UndefinedError):
        return f"{error.message}; the README lists the variables each template receives"
    if isinstance(error, TemplateNotFound):
        return f"no template named {error.name!r} in {in_use().templates_folder}/ or the package"
    if isinstance(error, RecursionError):
        name = path.rsplit("/", 1)[-1]
        return (
            "extends or includes itself without end; to extend the packaged template, "
            f'write {{% extends "{PACKAGE_PREFIX}{name}" %}}'
        )
    return f"{type(error).__name__}: {error}"


def macro(module: object, template: str, name: str, signature: str) -> Callable[..., Any]:
    """A macro a template must define (``chrome.html``'s ``header``...), or ThemeErrors
    naming the site's template that lacks it."""
    found = getattr(module, name, None)
    if not callable(found):
        message = (
            f"defines no macro {name}({signature}); define it (to keep the packaged one: "
            f'{{% import "{PACKAGE_PREFIX}{template}" as packaged %}} and '
            f"{{% macro {name}({signature}) %}}{{{{ packaged.{name}({signature}) }}}}"
            "{% endmacro %})"
        )
        raise ThemeErrors([SeedError(in_use().template_path(template), 0, message)])
    return found  # type: ignore[no-any-return]


def check_templates(theme: Theme) -> list[SeedError]:
    """Every problem found without rendering in a site's templates: syntax, unknown
    filters or tests, a template that extends, includes or imports itself or one that
    does not exist."""
    checking = _make_environment(theme)
    problems = []
    for name, source in sorted(theme.templates.items()):
        if name in RAW_TEMPLATES:
            continue
        path = theme.template_path(name)
        try:
            tree = checking.parse(source, name, path)
            problems += _reference_problems(theme, tree, name, path)
            checking.compile(tree, name, path)
        except TemplateSyntaxError as error:
            problems.append(SeedError(path, error.lineno, error.message or str(error)))
    return problems


_REFERENCES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


def _reference_problems(
    theme: Theme, tree: nodes.Template, name: str, path: str
) -> list[SeedError]:
    problems = []
    for node in tree.find_all(_REFERENCES):
        target = getattr(node, "template", None)
        if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
            continue  # a name computed when rendering: checked then
        wanted = target.value
        exists = wanted in theme.templates or packaged_template(wanted.removeprefix(PACKAGE_PREFIX))
        if wanted == name:
            verb = "extends" if isinstance(node, nodes.Extends) else "imports or includes"
            message = (
                f"{verb} itself; to extend the packaged template, write "
                f'{{% extends "{PACKAGE_PREFIX}{name}" %}}'
            )
            problems.append(SeedError(path, node.lineno, message))
        elif not exists and not (isinstance(node, nodes.Include) and node.ignore_missing):
            message = (
                f"no template named {wanted!r} in {theme.templates_folder}/ or the package "
                f"(the packaged ones are also {PACKAGE_PREFIX}<name>)"
            )
            problems.append(SeedError(path, node.lineno, message))
    return problems


def keep_compiled_templates(folder: Path, scope: str) -> None:
    """Keep the templates compiled to Python in ``folder`` (the build cache's), so that
    the next process need not compile them again (30 ms a process).

    Compiled code depends on more than a template's text (Jinja's version, the
    environment's settings in this package): each build ``scope`` (as the
    build cache's) has its own folder, and the others are removed. Within one,
    Jinja checks each template's source checksum: an edited one is compiled again.
    """
    global _compiled
    with suppress(OSError):
        for other in folder.glob("*"):
            if other.name != scope:
                shutil.rmtree(other, ignore_errors=True)
        (folder / scope).mkdir(parents=True, exist_ok=True)
        _compiled = _QuietBytecodeCache(str(folder / scope))
        _environment().bytecode_cache = _compiled


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """A compiled template that cannot be read or written is compiled again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)
