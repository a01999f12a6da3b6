"""The exceptions feeds raises on purpose.

    FeedsError              base: anything a user can fix; the CLI prints it, no traceback
    ├── SeedError           one problem in one article file: "path:line: message"
    ├── SeedErrors          every SeedError of a run, sorted; raised once
    ├── ConfigError         bad configuration or usage (exit code 2)
    │   └── ThemeErrors     every problem in the site's templates/ and static/ folders
    ├── WriteError          the output could not be written or swapped in
    ├── LockError           another process holds the output's (or a target's) lock
    └── DeployError         a deploy was refused or did not complete (never names a secret)

Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class FeedsError(Exception):
    """Base of every error a user can fix."""

    exit_code = 1


@dataclass(frozen=True)
class SeedError(FeedsError):
    """A problem at one line of one seed file (line 0: the whole file)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        path = printable(self.path)
        if self.line:
            return f"{path}:{self.line}: {self.message}"
        return f"{path}: {self.message}"

    def __reduce__(self) -> tuple[type[SeedError], tuple[str, int, str]]:
        """Pickle by fields (worker processes send problems back; frozen blocks the default)."""
        return SeedError, (self.path, self.line, self.message)


class SeedErrors(FeedsError):
    """Every problem found in a set of seed files, sorted by path and line."""

    def __init__(self, errors: Iterable[SeedError]) -> None:
        self.errors = sort_problems(errors)
        files = len({error.path for error in self.errors})
        super().__init__(
            f"{len(self.errors)} problem{'s' * (len(self.errors) != 1)} "
            f"in {files} file{'s' * (files != 1)}"
        )

    def __str__(self) -> str:
        return "\n".join([*map(str, self.errors), self.args[0]])

    def __reduce__(self) -> tuple[type[SeedErrors], tuple[list[SeedError]]]:
        """Pickle by its problems (raised in a worker process, re-raised in the build's)."""
        return SeedErrors, (self.errors,)


def printable(text: str) -> str:
    """``text`` with every character a terminal or CI log would act on (controls,
    escapes, bidi controls, line breaks) written as an escape: a file name is
    chosen by whoever wrote the file."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def sort_problems(errors: Iterable[SeedError]) -> list[SeedError]:
    """Problems by path and line, each once, in the order found within a line."""
    return sorted(dict.fromkeys(errors), key=lambda error: (error.path, error.line))


class ConfigError(FeedsError):
    """The site configuration or the command line is wrong."""

    exit_code = 2


class ThemeErrors(ConfigError):
    """Problems in the site's own templates or static files, each ``path:line: message``
    (a template's syntax or what it raised, a link, a static file over a built one)."""

    def __init__(self, errors: Iterable[SeedError]) -> None:
        self.errors = sort_problems(errors)
        count = len(self.errors)
        super().__init__(
            f"{count} problem{'s' * (count != 1)} in the site's templates or static files"
        )

    def __str__(self) -> str:
        return "\n".join([*map(str, self.errors), self.args[0]])

    def __reduce__(self) -> tuple[type[ThemeErrors], tuple[list[SeedError]]]:
        """Pickle by its problems (raised in a worker process, re-raised in the build's)."""
        return ThemeErrors, (self.errors,)


class WriteError(FeedsError):
    """The output folder could not be written."""


class LockError(FeedsError):
    """Another process held the lock of an output folder or deploy target too long."""


class DeployError(FeedsError):
    """A deploy was refused (too many deletes, no target) or did not complete."""
