"""What a build did: the one-line summary the command prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from feeds.errors import SeedError


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    output: Path
    articles: int
    files: int
    seconds: float
    written: int = 0
    deleted: int = 0
    problems: list[SeedError] = field(default_factory=list)
    scheduled: int = 0  # valid articles dated after "now"
    drafts: int = 0

    def summary(self) -> str:
        """``built 1 article, 9 files, 0.21 s -> public/``, and what was held back
        (``; not published yet: 1 scheduled, 2 drafts``); counts with thousands
        separators (``built 10,000 articles, 21,449 files``)."""
        plural = "" if self.articles == 1 else "s"
        changes = (
            f" ({self.written:,} written, {self.deleted:,} deleted)"
            if self.written < self.files
            else ""
        )
        held_back = [
            f"{self.scheduled:,} scheduled" if self.scheduled else "",
            f"{self.drafts:,} draft{'' if self.drafts == 1 else 's'}" if self.drafts else "",
        ]
        held = ", ".join(part for part in held_back if part)
        return (
            f"built {self.articles:,} article{plural}, {self.files:,} files{changes}, "
            f"{self.seconds:.2f} s -> {self.output}/"
            + (f"; not published yet: {held}" if held else "")
        )
