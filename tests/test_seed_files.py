"""Which files below seeds/ are read: never a link, a FIFO or a device, never one too large,
and what the errors about them show (never the content of a file a link leads to)."""

from __future__ import annotations

import os
import shutil
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds._seeds import load_seeds, parse_seed, read_file, seed_paths, with_body
from feeds.build import _parallel
from feeds.build import _reading as reading
from feeds.build._reading import read_articles
from feeds.cli import main
from feeds.errors import SeedError, SeedErrors
from feeds.models import MAX_SEED_BYTES, Site
from tests.conftest import SEEDS, SITE_CONFIG, test_site

GOOD = b"23 August, 2025\nleaders-meet\n\nFirst paragraph.\n"
SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY"
# A credentials file whose second line once came back as "slug '...' is not URL-safe".
CREDENTIALS = f"[default]\naws_access_key_id = AKIA{SECRET[:16]}\nsecret = {SECRET}\n"
ENVIRONMENT = f"HOME=/root\0AWS_SECRET_ACCESS_KEY={SECRET}\0"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site folder with the test seeds and configuration, as the working directory, and
    secret files outside its seeds/ folder."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copy(SITE_CONFIG, tmp_path / "site.toml")
    (tmp_path / "credentials").write_text(CREDENTIALS)
    (tmp_path / "environ").write_text(ENVIRONMENT)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "leak.txt").write_text(f"2025-08-23\n{SECRET}\n\nBody.\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail (instead of waiting for ever) if the test blocks for 30 seconds."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("blocked: a seed was opened or read as if it were a file")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(30)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(*argv: str) -> int:
    return main([*argv, "--config", "site.toml"])


def site_with(**settings: object) -> Site:
    return Site.model_validate({**test_site().model_dump(), **settings})


@pytest.mark.parametrize("command", ["build", "validate"])
@pytest.mark.parametrize(
    ("link", "target"),
    [
        ("y.txt", "environ"),
        ("y.txt", "credentials"),
        ("y.txt", "/proc/self/environ"),
        ("sub/y.txt", "../../credentials"),
        ("linked", "elsewhere"),
        ("linked.txt", "elsewhere"),
    ],
)
def test_a_link_out_of_seeds_is_an_error_that_shows_nothing_of_its_target(
    project, capsys, command, link, target
):
    """A seed that is a link (or a link to a folder) fails build and validate with
    'path: is a symbolic link', and nothing the target holds reaches stdout or stderr."""
    path = project / "seeds" / link
    path.parent.mkdir(exist_ok=True)
    path.symlink_to(target if target.startswith(("/", "..")) else project / target)
    assert run(command) == 1
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert SECRET[:16] not in out + err
    assert "AWS_SECRET_ACCESS_KEY" not in out + err
    assert f"seeds/{link}: is a symbolic link" in err
    assert err.splitlines()[-1] == "feeds: 1 problem in 1 file"
    assert not (project / "public").exists()


def test_a_link_within_seeds_is_refused_too(project, capsys):
    """A link to a file inside seeds/ is not followed either: one rule for every link."""
    (project / "seeds" / ".drafts").mkdir()
    (project / "seeds" / ".drafts" / "a.txt").write_bytes(GOOD)
    (project / "seeds" / "a.txt").symlink_to(".drafts/a.txt")
    assert run("validate") == 1
    assert "seeds/a.txt: is a symbolic link, which feeds never follows" in capsys.readouterr().err


def test_a_dangling_link_is_refused(project, capsys):
    """A link to nothing is reported as a link, not skipped and not a crash."""
    (project / "seeds" / "gone.txt").symlink_to(project / "no-such-file")
    assert run("build") == 1
    assert "seeds/gone.txt: is a symbolic link" in capsys.readouterr().err


def test_a_link_that_is_no_seed_is_left_alone(project, capsys):
    """A link named otherwise than *.txt, to a file, is no seed: ignored, as any such file."""
    (project / "seeds" / "README").symlink_to(project / "credentials")
    assert run("build") == 0
    assert SECRET not in "".join(capsys.readouterr())


def test_the_seeds_folder_itself_may_be_a_link(project, capsys):
    """seeds/ may be a link (or lie below one): links are refused only below it."""
    (project / "seeds").rename(project / "content")
    (project / "seeds").symlink_to(project / "content")
    assert run("build") == 0
    assert capsys.readouterr().out.startswith("built 3 articles")


def test_links_are_refused_by_every_reader(project, site):
    """load_seeds, read_articles and the listing agree: a link is a problem, never read."""
    (project / "seeds" / "y.txt").symlink_to(project / "credentials")
    listing = seed_paths(project / "seeds")
    assert str(project / "seeds" / "y.txt") not in listing
    assert [(Path(e.path).name, e.line) for e in listing.refused] == [("y.txt", 0)]
    _, problems = load_seeds(project / "seeds", site)
    assert [Path(e.path).name for e in problems] == ["y.txt"]
    problems = read_articles(project / "seeds", site).problems
    assert [Path(e.path).name for e in problems] == ["y.txt"]


def test_reading_never_follows_a_link_made_after_the_listing(project):
    """read_file itself refuses a link (a file replaced after it was listed): a SeedError
    for the whole file, whose message holds nothing of the target."""
    (project / "seeds" / "y.txt").symlink_to(project / "credentials")
    with pytest.raises(SeedError) as raised:
        read_file(str(project / "seeds" / "y.txt"))
    assert raised.value.line == 0
    assert "is a symbolic link" in str(raised.value)
    assert SECRET not in str(raised.value)


def test_a_body_read_back_through_a_new_link_is_an_error(project, site):
    """An article whose seed became a link before its body was read back fails, unread."""
    seed = project / "seeds" / "x.txt"
    seed.write_bytes(GOOD)
    article = parse_seed(str(seed), GOOD, site).without_body()
    seed.unlink()
    seed.symlink_to(project / "credentials")
    with pytest.raises(SeedErrors, match="is a symbolic link") as raised:
        with_body(article)
    assert SECRET not in str(raised.value)


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_fifo_named_like_a_seed_is_refused_without_waiting(project, capsys, command):
    """A FIFO is reported as such at once: never opened, so nothing waits for a writer."""
    os.mkfifo(project / "seeds" / "pipe.txt")
    assert run(command) == 1
    assert "seeds/pipe.txt: is a FIFO (named pipe); a seed is a text file" in (
        capsys.readouterr().err
    )


@pytest.mark.usefixtures("no_hang")
def test_a_fifo_that_replaced_a_seed_is_not_waited_for(project):
    """read_file opens without blocking and reads only a regular file."""
    os.mkfifo(project / "seeds" / "pipe.txt")
    with pytest.raises(SeedError, match="is a FIFO"):
        read_file(str(project / "seeds" / "pipe.txt"))


@pytest.mark.usefixtures("no_hang")
def test_a_device_named_like_a_seed_is_refused(project, capsys):
    """A device node (here /dev/zero's) is reported, never read: no endless read."""
    try:
        os.mknod(project / "seeds" / "zero.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("this machine lets no one make device nodes")
    assert run("build") == 1
    assert "seeds/zero.txt: is a character device" in capsys.readouterr().err


@pytest.mark.usefixtures("no_hang")
def test_a_link_to_dev_zero_is_refused(project, capsys):
    """A link to an endless device is a link like any other: refused, never opened."""
    (project / "seeds" / "zero.txt").symlink_to("/dev/zero")
    assert run("validate") == 1
    assert "seeds/zero.txt: is a symbolic link" in capsys.readouterr().err


def test_a_folder_named_like_a_seed_is_a_folder(project, capsys):
    """A folder called x.txt is searched for seeds like any folder, not read as one."""
    (project / "seeds" / "x.txt").mkdir()
    (project / "seeds" / "x.txt" / "inner.txt").write_bytes(GOOD)
    assert run("validate") == 0
    assert capsys.readouterr().out.startswith("4 articles valid")


def test_problems_in_worker_processes_show_no_secret(project, capsys, monkeypatch):
    """Links, FIFOs and large seeds are reported alike when workers read the seeds."""
    monkeypatch.setattr(_parallel, "PARALLEL_THRESHOLD", 1)
    (project / "seeds" / "y.txt").symlink_to(project / "credentials")
    os.mkfifo(project / "seeds" / "pipe.txt")
    with (project / "seeds" / "big.txt").open("wb") as file:
        file.truncate(MAX_SEED_BYTES + 1)
    assert main(["build", "--config", "site.toml", "--jobs", "2"]) == 1
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert [line.split(":")[0] for line in err.splitlines()[:-1]] == [
        "seeds/big.txt",
        "seeds/pipe.txt",
        "seeds/y.txt",
    ]


# --- size -------------------------------------------------------------------


def test_max_seed_bytes_defaults_to_two_mebibytes():
    """The default limit is 2 MiB: a long read is some 100 kB."""
    assert test_site().max_seed_bytes == MAX_SEED_BYTES == 2 * 1024 * 1024


def test_a_seed_above_the_limit_is_refused_unread(project, capsys, monkeypatch):
    """A 50 MB seed fails at once naming its size, the limit and how to raise it; its
    bytes are never read (the size comes from the file system)."""
    read: list[str] = []
    real_read_file = reading.read_file
    monkeypatch.setattr(
        reading, "read_file", lambda path: read.append(path) or real_read_file(path)
    )
    with (project / "seeds" / "huge.txt").open("wb") as file:
        file.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written
    assert run("build") == 1
    assert capsys.readouterr().err.splitlines()[:-1] == [
        "seeds/huge.txt: is 52,428,800 bytes, more than max_seed_bytes (2,097,152); shorten "
        "or split the article, or raise max_seed_bytes in [tool.feeds] of pyproject.toml"
    ]
    assert "seeds/huge.txt" not in read


@pytest.mark.parametrize(("size", "valid"), [(100, True), (101, False)])
def test_the_limit_is_inclusive(tmp_path, size, valid):
    """A seed of exactly max_seed_bytes is read; one byte more is an error."""
    data = GOOD + b"x" * (size - len(GOOD) - 1) + b"\n"
    assert len(data) == size
    (tmp_path / "a.txt").write_bytes(data)
    articles, problems = load_seeds(tmp_path, site_with(max_seed_bytes=100))
    assert (len(articles), len(problems)) == ((1, 0) if valid else (0, 1))


def test_the_limit_holds_for_bytes_given_to_the_parser(site):
    """parse_seed refuses bytes above the limit too (a file that grew after its size was
    checked), without decoding them."""
    with pytest.raises(SeedErrors) as raised:
        parse_seed("seeds/x.txt", GOOD + b"\xff" * 200, site_with(max_seed_bytes=100))
    assert [str(error) for error in raised.value.errors] == [
        f"seeds/x.txt: is {len(GOOD) + 200} bytes, more than max_seed_bytes (100); shorten or "
        "split the article, or raise max_seed_bytes in [tool.feeds] of pyproject.toml"
    ]


def test_raising_the_limit_accepts_the_seed(project, capsys):
    """max_seed_bytes in the configuration lets a larger seed through."""
    body = b"word " * 500_000
    (project / "seeds" / "long.txt").write_bytes(b"2025-08-23\na-long-read\n\n" + body + b"\n")
    assert run("validate") == 1
    with (project / "site.toml").open("a") as file:
        file.write("max_seed_bytes = 4_000_000\n")
    assert run("validate") == 0
    assert "4 articles valid" in capsys.readouterr().out


def test_a_file_name_with_control_characters_is_escaped_in_messages(tmp_path, capsys):
    """A seed named with an escape sequence or a line break cannot rewrite the terminal
    or forge a second line in a CI log: its name is printed escaped."""
    from feeds.cli import main
    from tests.conftest import SITE_CONFIG

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "x\x1b[2J\nfeeds: all good.txt").write_text("not a date\nslug\n\nBody.\n")
    assert main(["validate", "--seeds", str(seeds), "--config", str(SITE_CONFIG)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "x\\x1b[2J\\nfeeds: all good.txt:1: " in err
    assert len(err.splitlines()) == 2
