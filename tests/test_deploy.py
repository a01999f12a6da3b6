"""Deploying to a real S3 API (moto's server on 127.0.0.1) and to a folder.

The last sections check the safety of #18: links, stray files, bad settings,
flaky networks, locks and racing deploys.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import orjson
import pytest
from moto.server import ThreadedMotoServer

from benchmarks.corpus import write_corpus
from feeds.build import build
from feeds.build._lock import locked
from feeds.build._reading import read_articles
from feeds.build._write import MANIFEST
from feeds.cli import main
from feeds.deploy import _s3 as s3
from feeds.deploy import deploy, rollback, upload_tier
from feeds.deploy._plan import Action, Plan, Reason
from feeds.deploy._run import invalidation_paths
from feeds.errors import ConfigError, DeployError, LockError
from feeds.models import HeaderRule, Site
from tests.conftest import DATA, SITE_CONFIG, make_site
from tests.deploy_support import (
    FAKE_KEY_ID,
    FAKE_SECRET,
    FaultProxy,
    Recorder,
    assert_remote_equals_local,
    local_files,
    new_bucket,
    remote_keys,
)


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3 API server for the whole session, on a free port of 127.0.0.1."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on stderr
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(monkeypatch, tmp_path, s3_endpoint):
    """Fake credentials and the server's endpoint, through the standard AWS variables only."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    return boto3.client("s3")


@pytest.fixture
def bucket(aws):
    return new_bucket(aws)


@pytest.fixture
def site() -> Site:
    return make_site()


@pytest.fixture
def seeds(tmp_path):
    """Twelve generated articles."""
    folder = tmp_path / "seeds"
    write_corpus(folder, 12, seed=4)
    return folder


@pytest.fixture
def output(tmp_path, seeds, site):
    """The site built from ``seeds``."""
    build(seeds, tmp_path / "public", site)
    return tmp_path / "public"


def _deploy(output: Path, site: Site, target: str, recorder: Recorder | None = None, **options):
    options.setdefault("allow_bucket_root", True)  # each test has a bucket of its own
    return deploy(
        output, site, target=target, session=(recorder or Recorder()).session(), **options
    )


def test_first_deploy_uploads_everything_with_headers(aws, bucket, output, site):
    """An empty bucket receives every file, each with its Content-Type and Cache-Control."""
    report = _deploy(output, site, f"s3://{bucket}/")
    assert len(report.plan.uploads) == len(local_files(output))
    assert (output / "_headers").is_file()
    assert "_headers" not in remote_keys(aws, bucket), "a bucket carries headers, not _headers"
    assert report.summary().startswith(f"uploaded {len(local_files(output))} (")
    assert_remote_equals_local(aws, bucket, output, site)
    json_api = aws.head_object(Bucket=bucket, Key="api/v1/articles/" + _any_slug(output) + ".json")
    assert "stale-while-revalidate" in json_api["CacheControl"]


def test_second_deploy_uploads_nothing(aws, bucket, output, site):
    """Deploying the same tree again sends no object, only a listing and the manifest read."""
    _deploy(output, site, f"s3://{bucket}/site")
    recorder = Recorder()
    report = _deploy(output, site, f"s3://{bucket}/site", recorder)
    assert report.plan.uploads == () and report.plan.deletes == ()
    assert report.summary().startswith("uploaded 0 (0 B), unchanged ")
    assert recorder.requests == ["ListObjectsV2", "GetObject"]


def test_changed_article_uploads_only_what_changed_in_order(aws, bucket, seeds, output, site):
    """One edited article sends its page and JSON first, then lists, then feeds; nothing else."""
    _deploy(output, site, f"s3://{bucket}/")
    before = local_files(output)
    newest = read_articles(seeds, site).articles[0]
    with Path(newest.source).open("a", encoding="utf-8") as seed:
        seed.write("\nA correction appended to the newest article.\n")
    build(seeds, output, site)
    changed = {path for path, data in local_files(output).items() if before.get(path) != data}
    recorder = Recorder()
    _deploy(output, site, f"s3://{bucket}/", recorder)
    puts = recorder.puts()
    assert set(puts) == changed
    page = max(output.glob("api/v1/pages/*.json"), key=lambda path: int(path.stem))
    page_path = page.relative_to(output).as_posix()  # the newest page holds the newest article
    assert {
        f"articles/{newest.slug}/index.html",
        f"api/v1/articles/{newest.slug}.json",
        page_path,
        "rss.xml",
        "atom.xml",
        "feed.json",
    } <= changed
    tiers = [upload_tier(path) for path in puts]
    assert tiers == sorted(tiers), puts
    assert puts.index(f"api/v1/articles/{newest.slug}.json") < puts.index(page_path)
    assert puts.index(page_path) < min(map(puts.index, ("rss.xml", "feed.json")))
    assert_remote_equals_local(aws, bucket, output, site)


def test_header_rule_change_reuploads_unchanged_bodies(aws, bucket, output, site):
    """A new cache rule re-uploads exactly the files it matches, for their headers alone."""
    _deploy(output, site, f"s3://{bucket}/")
    ruled = site.model_copy(
        update={"headers": (HeaderRule(glob="api/v1/articles/*.json", cache_control="max-age=60"),)}
    )
    report = _deploy(output, ruled, f"s3://{bucket}/")
    updated = {action.path for action in report.plan.uploads}
    assert updated == {path for path in local_files(output) if path.startswith("api/v1/articles/")}
    assert {action.reason.value for action in report.plan.uploads} == {"headers changed"}
    assert_remote_equals_local(aws, bucket, output, ruled)


def test_gzip_rule_stores_compressed_bodies(aws, bucket, output, site):
    """A gzip rule stores the body compressed, with Content-Encoding: gzip."""
    zipped = site.model_copy(update={"headers": (HeaderRule(glob="**.xml", gzip=True),)})
    _deploy(output, zipped, f"s3://{bucket}/")
    assert aws.head_object(Bucket=bucket, Key="rss.xml")["ContentEncoding"] == "gzip"
    assert_remote_equals_local(aws, bucket, output, zipped)


def test_removed_article_is_deleted_after_all_uploads(aws, bucket, seeds, output, site):
    """Removing an article deletes its page and JSON, after every upload, before the manifest."""
    _deploy(output, site, f"s3://{bucket}/")
    before = set(local_files(output))
    gone = read_articles(seeds, site).articles[0]
    Path(gone.source).unlink()
    build(seeds, output, site)
    recorder = Recorder()
    report = _deploy(output, site, f"s3://{bucket}/", recorder)
    deleted = {action.path for action in report.plan.deletes}
    assert deleted == before - set(local_files(output))
    assert {f"articles/{gone.slug}/index.html", f"api/v1/articles/{gone.slug}.json"} <= deleted
    kinds = [kind for kind, key in recorder.operations if not key.endswith(".feeds-deploy.json.gz")]
    assert kinds == sorted(kinds, key=lambda kind: kind == "delete") and kinds[-1] == "delete"
    assert recorder.operations[-1][1] == ".feeds-deploy.json.gz", "manifest last"
    assert_remote_equals_local(aws, bucket, output, site)


def test_too_many_deletes_refuses_and_changes_nothing(aws, bucket, seeds, output, site):
    """Above max_deletes the deploy fails before uploading or deleting anything."""
    _deploy(output, site, f"s3://{bucket}/")
    before = remote_keys(aws, bucket)
    for seed in sorted(seeds.iterdir())[:3]:
        seed.unlink()
    build(seeds, output, site)
    doomed = len(set(before) - set(local_files(output)))
    recorder = Recorder()
    with pytest.raises(DeployError) as raised:
        _deploy(output, site, f"s3://{bucket}/", recorder, max_deletes=5)
    assert f"{doomed} remote files would be deleted, more than max_deletes (5)" in str(raised.value)
    assert f"--max-deletes {doomed}" in str(raised.value)
    assert recorder.operations == []
    assert remote_keys(aws, bucket) == before


def test_deleting_most_of_a_bucket_refuses_and_changes_nothing(aws, bucket, seeds, output, site):
    """A plan deleting more than max_delete_ratio of the bucket's files (most seeds gone,
    under max_deletes) fails before any request that writes; passing the ratio sends it."""
    _deploy(output, site, f"s3://{bucket}/")
    before = remote_keys(aws, bucket)
    for seed in sorted(seeds.iterdir())[:9]:
        seed.unlink()
    build(seeds, output, site)
    doomed = len(set(before) - set(local_files(output)))
    recorder = Recorder()
    with pytest.raises(DeployError) as raised:
        _deploy(output, site, f"s3://{bucket}/", recorder)
    assert doomed <= 256 and f"{doomed:,} of the " in str(raised.value)
    assert "more than max_delete_ratio (50%)" in str(raised.value)
    assert "--max-delete-ratio 1" in str(raised.value)
    assert recorder.operations == []
    assert remote_keys(aws, bucket) == before
    _deploy(output, site, f"s3://{bucket}/", max_delete_ratio=1)
    assert_remote_equals_local(aws, bucket, output, site)


def test_deleting_most_of_a_folder_target_refuses(tmp_path, seeds, output, site, capsys):
    """The same guard for a folder target, through the command line: exit 1, one line,
    the live release untouched; a first deploy to an empty folder is never refused."""
    target = tmp_path / "site"
    _deploy(output, site, str(target))
    live = sorted(p.name for p in (target / "current").iterdir())
    for seed in sorted(seeds.iterdir())[:9]:
        seed.unlink()
    build(seeds, output, site)
    config = tmp_path / "site.toml"
    config.write_text(f'title = "T"\nbase_url = "{site.base_url}"\n')
    code = main(
        ["deploy", "--output", str(output), "--target", str(target), "--config", str(config)]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("feeds: refusing to deploy: ") and len(err.splitlines()) == 1
    assert sorted(p.name for p in (target / "current").iterdir()) == live


def test_dry_run_prints_the_plan_and_changes_nothing(aws, bucket, seeds, output, site):
    """--dry-run lists upload/update/delete with reasons and sends no write request."""
    _deploy(output, site, f"s3://{bucket}/")
    before = remote_keys(aws, bucket)
    gone = read_articles(seeds, site).articles[0]
    Path(gone.source).unlink()
    build(seeds, output, site)
    recorder = Recorder()
    report = _deploy(output, site, f"s3://{bucket}/", recorder, dry_run=True)
    lines = report.plan.lines()
    assert f"delete api/v1/articles/{gone.slug}.json (gone)" in lines
    assert "update rss.xml (body changed)" in lines
    assert report.summary().startswith("would upload ")
    assert set(recorder.requests) == {"ListObjectsV2", "GetObject"}
    assert remote_keys(aws, bucket) == before


def test_setup_applies_cors(aws, bucket, output, site):
    """--setup gives the bucket a CORS rule: GET and HEAD from any origin."""
    report = _deploy(output, site, f"s3://{bucket}/", setup=True)
    assert report.setup and "CORS" in report.setup
    (rule,) = aws.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rule["AllowedOrigins"] == ["*"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD"]


def test_interrupted_deploy_converges(aws, bucket, output, site):
    """A deploy that fails half-way names the paths, and the next run finishes the job."""
    _deploy(output, site, f"s3://{bucket}/")
    ruled = site.model_copy(update={"headers": (HeaderRule(glob="**", cache_control="no-cache"),)})
    recorder = Recorder(fail_keys={"api/v1/pages/1.json"})
    with pytest.raises(DeployError, match=r"1 file did not go up: api/v1/pages/1\.json"):
        _deploy(output, ruled, f"s3://{bucket}/", recorder)
    assert "rss.xml" not in recorder.puts(), "later tiers wait for earlier ones"
    # Half the objects now carry the new header; going back to the old rules must
    # not trust a stale manifest for them.
    _deploy(output, site, f"s3://{bucket}/")
    assert_remote_equals_local(aws, bucket, output, site)


def test_changed_object_behind_our_back_is_reuploaded(aws, bucket, output, site):
    """An object whose ETag no longer matches the manifest is re-uploaded."""
    _deploy(output, site, f"s3://{bucket}/")
    aws.put_object(Bucket=bucket, Key="rss.xml", Body=b"tampered")
    report = _deploy(output, site, f"s3://{bucket}/")
    assert [str(action) for action in report.plan.uploads] == [
        "update rss.xml (not in the remote manifest)"
    ]
    assert_remote_equals_local(aws, bucket, output, site)


def test_no_op_deploy_of_thousands_of_files_makes_few_requests(aws, bucket, tmp_path, site):
    """A no-op deploy of a 2,000-file site lists in pages: four requests, no HEAD per object."""
    seeds = tmp_path / "many"
    write_corpus(seeds, 1000, seed=7)
    big = site.model_copy(update={"page_size": 100, "feed_limit": 20})
    build(seeds, tmp_path / "big", big)
    files = len(local_files(tmp_path / "big"))
    assert files > 2000
    first = _deploy(tmp_path / "big", big, f"s3://{bucket}/")
    assert len(first.plan.uploads) == files
    recorder = Recorder()
    again = _deploy(tmp_path / "big", big, f"s3://{bucket}/", recorder)
    assert again.plan.uploads == () and len(again.plan.unchanged) == files
    assert recorder.requests == ["ListObjectsV2"] * 3 + ["GetObject"]


def test_credentials_never_appear_in_output(aws, bucket, output, site, capsys, monkeypatch):
    """Fake credentials appear in no output of the command, on success or on errors."""
    monkeypatch.chdir(output.parent)
    config = output.parent / "site.toml"
    config.write_text('title = "T"\nbase_url = "https://example.org/"\n')
    runs = [
        ["deploy", "--target", f"s3://{bucket}/x", "--setup"],
        ["deploy", "--target", f"s3://{bucket}/x", "--dry-run"],
        ["deploy", "--target", "s3://no-such-bucket-feeds/x"],
        ["deploy", "--target", f"s3://{bucket}/x", "--output", "nowhere"],
        ["rollback", "--target", f"s3://{bucket}/x"],
    ]
    codes = [main([*argv, "--config", str(config)]) for argv in runs]
    assert codes == [0, 0, 1, 1, 1]
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "NoSuchBucket" in text
    assert FAKE_KEY_ID not in text and FAKE_SECRET not in text
    assert FAKE_SECRET[:12] not in text


def test_s3_errors_name_the_target_without_a_traceback(aws, output, site, capsys):
    """A missing bucket is a DeployError naming the target, exit code 1."""
    with pytest.raises(DeployError, match=r"s3://no-such-bucket-feeds/: ListObjectsV2 failed"):
        _deploy(output, site, "s3://no-such-bucket-feeds/")


def test_endpoint_and_target_from_configuration(aws, bucket, output, monkeypatch, s3_endpoint):
    """endpoint_url and target come from the deploy settings (here FEEDS_DEPLOY__*)."""
    from feeds.config import load_site

    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    monkeypatch.setenv("FEEDS_DEPLOY__TARGET", f"s3://{bucket}/env")
    monkeypatch.setenv("FEEDS_DEPLOY__ENDPOINT_URL", s3_endpoint)
    site = load_site(None, Path(__file__).parent / "data" / "site" / "feeds.toml")
    assert site.deploy.target == f"s3://{bucket}/env"
    deploy(output, site)
    assert "env/rss.xml" in remote_keys(aws, bucket)


def _any_slug(output: Path) -> str:
    return next((output / "api" / "v1" / "articles").iterdir()).stem


# The folder target: releases and an atomically switched symlink.


def test_folder_deploy_switches_releases_and_rolls_back(tmp_path, seeds, output, site):
    """Each deploy makes a release; current points at the newest; rollback goes back one."""
    root = tmp_path / "srv"
    first = deploy(output, site, target=f"file://{root}")
    assert len(first.plan.uploads) == len(local_files(output, bucket=False))
    v1 = local_files(root / "current", bucket=False)
    assert v1 == local_files(output, bucket=False)
    assert "_headers" in v1, "a folder keeps _headers for the web server"
    Path(read_articles(seeds, site).articles[0].source).unlink()
    build(seeds, output, site)
    second = deploy(output, site, target=str(root))
    assert second.plan.deletes and second.plan.unchanged
    assert local_files(root / "current") == local_files(output)
    releases = sorted((root / "releases").iterdir())
    assert len(releases) == 2 and (root / "current").resolve() == releases[1]
    same = "style.css"
    assert (releases[0] / same).stat().st_ino == (releases[1] / same).stat().st_ino, "hard-linked"
    assert main(["rollback", "--target", str(root)]) == 0
    assert (root / "current").resolve() == releases[0]
    assert local_files(root / "current", bucket=False) == v1
    assert sorted(path.name for path in root.iterdir()) == ["current", "releases"], "no temp links"


def test_folder_deploy_keeps_the_newest_releases(tmp_path, seeds, output, site):
    """Only keep_releases releases stay; an unchanged tree makes no new release."""
    root = tmp_path / "srv"
    kept = site.model_copy(update={"deploy": site.deploy.model_copy(update={"keep_releases": 2})})
    for number in range(3):
        (seeds / f"extra-{number}.txt").write_text(
            f"2025-01-0{number + 1}\nextra-{number}\n\nBody.\n"
        )
        build(seeds, output, site)
        deploy(output, kept, target=str(root))
    assert deploy(output, kept, target=str(root)).plan.changed is False
    releases = sorted((root / "releases").iterdir())
    assert len(releases) == 2 and (root / "current").resolve() == releases[-1]


def test_rollback_without_an_earlier_release_fails_cleanly(tmp_path, output, site, capsys):
    """Rolling back past the oldest release is an error message, exit 1."""
    root = tmp_path / "srv"
    deploy(output, site, target=str(root))
    assert main(["rollback", "--target", str(root)]) == 1
    assert "is the oldest release kept" in capsys.readouterr().err


def test_dry_run_on_a_folder_writes_nothing(tmp_path, output, site):
    """A dry run against a folder creates nothing."""
    report = deploy(output, site, target=str(tmp_path / "srv"), dry_run=True)
    assert report.plan.lines()[0].startswith("upload ")
    assert not (tmp_path / "srv").exists()


def test_deploy_needs_a_built_tree_and_a_target(tmp_path, output, site):
    """No target, or an output feeds did not build, is refused with a hint."""
    from feeds.errors import ConfigError

    with pytest.raises(ConfigError, match="no deploy target; pass --target"):
        deploy(output, site)
    (tmp_path / "random").mkdir()
    with pytest.raises(DeployError, match="run 'feeds build' first"):
        deploy(tmp_path / "random", site, target=str(tmp_path / "srv"))


def test_invoke_deploy_and_rollback(tmp_path, output, site, monkeypatch, capsys):
    """invoke deploy --dry-run prints the plan; invoke rollback raises Exit(1) when it cannot."""
    from invoke import Context, Exit

    from feeds import tasks

    monkeypatch.chdir(tmp_path)
    config = tmp_path / "site.toml"
    config.write_text('title = "T"\nbase_url = "https://example.org/"\n')
    tasks.deploy(Context(), target=str(tmp_path / "srv"), dry_run=True, config=str(config))
    out = capsys.readouterr().out
    assert "upload rss.xml (new)" in out and "would upload" in out
    tasks.deploy(Context(), target=str(tmp_path / "srv"), config=str(config))
    assert capsys.readouterr().out.startswith("uploaded ")
    with pytest.raises(Exit) as raised:
        tasks.rollback(Context(), target=str(tmp_path / "srv"), config=str(config))
    assert raised.value.code == 1


def _distribution(s3_endpoint, monkeypatch) -> str:
    """A CloudFront distribution on the moto server; its id."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", s3_endpoint)
    origin = {
        "Id": "o",
        "DomainName": "site.s3.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    response = boto3.client("cloudfront", region_name="us-east-1").create_distribution(
        DistributionConfig={
            "CallerReference": f"feeds-test-{time.time_ns()}",  # one per test
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
            "Comment": "",
            "Enabled": True,
        }
    )
    return response["Distribution"]["Id"]


def _invalidated(distribution: str) -> list[list[str]]:
    client = boto3.client("cloudfront", region_name="us-east-1")
    listed = client.list_invalidations(DistributionId=distribution)["InvalidationList"]
    return [
        client.get_invalidation(DistributionId=distribution, Id=item["Id"])["Invalidation"][
            "InvalidationBatch"
        ]["Paths"].get("Items", [])
        for item in listed.get("Items", [])
    ]


def test_cloudfront_invalidates_exactly_the_changed_paths(
    aws, bucket, seeds, output, site, s3_endpoint, monkeypatch
):
    """Changed and deleted paths are invalidated (folders for index.html), as readers request
    them below the site's root path (/news/: a path at / would leave the CDN serving the old
    feed); /news/* above the limit."""
    assert site.root_path == "/news/"
    distribution = _distribution(s3_endpoint, monkeypatch)
    settings = site.deploy.model_copy(update={"cloudfront_distribution_id": distribution})
    cdn_site = site.model_copy(update={"deploy": settings})
    limited = settings.model_copy(update={"invalidation_max_paths": 10})
    first = _deploy(output, site.model_copy(update={"deploy": limited}), f"s3://{bucket}/")
    assert first.cdn == f"CloudFront {distribution}: invalidated 1 path"
    assert _invalidated(distribution) == [["/news/*"]]
    _deploy(output, cdn_site, f"s3://{bucket}/")
    assert len(_invalidated(distribution)) == 1, "a no-op deploy invalidates nothing"
    gone = read_articles(seeds, site).articles[0]
    Path(gone.source).unlink()
    before = local_files(output)
    build(seeds, output, site)
    report = _deploy(output, cdn_site, f"s3://{bucket}/")
    changed = {path for path, data in local_files(output).items() if before.get(path) != data}
    changed |= set(before) - set(local_files(output))
    expected = {"/news/" + path for path in changed} | {f"/news/articles/{gone.slug}/"}
    expected |= {"/news/" + path.removesuffix("index.html") for path in changed
                 if path.endswith("index.html")}  # fmt: skip
    assert report.cdn is not None
    assert sorted(_invalidated(distribution)[-1]) == sorted(expected)


@pytest.mark.parametrize(
    ("root", "path", "expected"),
    [
        ("/", "rss.xml", ["/rss.xml"]),
        ("/", "tags/x/index.html", ["/tags/x/", "/tags/x/index.html"]),
        ("/news/", "index.html", ["/news/", "/news/index.html"]),
        ("/news/", "images/photo (1).jpg", ["/news/images/photo%20(1).jpg"]),
        ("/news/", "a+b,c;d=e&f@g:h!$'.txt", ["/news/a+b,c;d=e&f@g:h!$'.txt"]),
        ("/news/", "é~.txt", ["/news/%C3%A9~.txt"]),
        ("/", "tags/文化/rss.xml", ["/tags/%E6%96%87%E5%8C%96/rss.xml"]),
        ("/news/", "a*", ["/news/a%2A"]),
    ],
)
def test_invalidation_paths_encode_only_what_a_url_cannot_carry(root, path, expected):
    """As readers request them (CloudFront misses a path encoded otherwise); * is a wildcard."""
    plan = Plan(tiers=((Action("upload", path, Reason.NEW),),), deletes=())
    assert invalidation_paths(plan, 100, root) == expected
    assert invalidation_paths(plan, 1, root) == ([root + "*"] if len(expected) > 1 else expected)


def test_unicode_tag_folders_deploy_to_a_folder_and_a_bucket(aws, bucket, tmp_path, site):
    """A tag's Unicode folder (tags/文化/) reaches a folder target as UTF-8 names and a
    bucket as UTF-8 keys, with its headers; deploying again sends nothing."""
    output = tmp_path / "public"
    build(DATA / "languages", output, site)
    assert (output / "tags" / "文化" / "atom.xml").is_file()
    root = tmp_path / "srv"
    deploy(output, site, target=f"file://{root}")
    assert local_files(root / "current", bucket=False) == local_files(output, bucket=False)
    names = {entry.name for entry in os.scandir(os.fsencode(root / "current" / "tags"))}
    assert "文化".encode() in names  # UTF-8 on disk
    first = _deploy(output, site, f"s3://{bucket}/")
    assert "tags/文化/atom.xml" in {action.path for action in first.plan.uploads}
    assert_remote_equals_local(aws, bucket, output, site)
    assert "tags/文化/feed.json" in remote_keys(aws, bucket)
    second = _deploy(output, site, f"s3://{bucket}/")
    assert second.plan.uploads == () and second.plan.deletes == ()


# Faults between boto3 and the server: retries, and kills half-way.


@pytest.fixture
def proxy(s3_endpoint):
    """Builds FaultProxy instances in front of the S3 server and closes them afterwards."""
    proxies = []

    def make(**options) -> FaultProxy:
        proxies.append(FaultProxy(s3_endpoint, **options))
        return proxies[-1]

    yield make
    for each in proxies:
        each.close()


def test_deploy_through_500s_503s_and_resets_converges(
    aws, bucket, output, site, proxy, monkeypatch
):
    """Every third request failing (500, 503, reset) is retried: the remote equals local."""
    faulty = proxy(every=3)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", faulty.url)
    report = _deploy(output, site, f"s3://{bucket}/")
    assert len(report.plan.uploads) == len(local_files(output))
    assert {"500", "503", "reset"} <= set(faulty.injected)
    assert len(faulty.injected) >= len(local_files(output)) // 3
    assert_remote_equals_local(aws, bucket, output, site)
    again = _deploy(output, site, f"s3://{bucket}/")
    assert again.plan.changed is False, "the manifest written through faults is trusted"


def test_killed_deploy_converges_when_run_again(
    aws, bucket, output, site, proxy, tmp_path, monkeypatch
):
    """A deploy killed (SIGKILL) after some uploads leaves a remote the next run makes exact."""
    _deploy(output, site, f"s3://{bucket}/")
    config = tmp_path / "site.toml"
    config.write_text(
        SITE_CONFIG.read_text() + '\n[[headers]]\nglob = "**"\ncache_control = "no-cache"\n'
    )
    from feeds.config import load_site

    ruled = load_site(None, config)
    slow = proxy(delay=0.05)
    env = {**os.environ, "AWS_ENDPOINT_URL_S3": slow.url, "FEEDS_DEPLOY__CONCURRENCY": "2"}
    argv = ["deploy", "--output", str(output), "--target", f"s3://{bucket}/", "--allow-bucket-root"]
    child = subprocess.Popen(
        [sys.executable, "-m", "feeds.cli", *argv, "--config", str(config)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while slow.puts < 10 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "killed half-way, not finished"
    files = len(local_files(output))
    assert 10 <= slow.puts < files, "some uploads went up, not all"
    report = _deploy(output, ruled, f"s3://{bucket}/")
    assert report.plan.uploads, "the next run finishes the job"
    assert_remote_equals_local(aws, bucket, output, ruled)


@pytest.mark.parametrize("target", ["s3://{bucket}", "s3://{bucket}/", "s3://{bucket}//"])
def test_whole_bucket_target_needs_allow_bucket_root(aws, bucket, output, site, target):
    """A target with no prefix is refused before any request, unless allowed explicitly."""
    recorder = Recorder()
    url = target.format(bucket=bucket)
    with pytest.raises(ConfigError, match=r"is a whole bucket.*--allow-bucket-root"):
        _deploy(output, site, url, recorder, allow_bucket_root=False)
    assert recorder.requests == []
    assert _deploy(output, site, url, allow_bucket_root=True).plan.uploads
    allowed = site.model_copy(
        update={"deploy": site.deploy.model_copy(update={"allow_bucket_root": True})}
    )
    assert _deploy(output, allowed, url, allow_bucket_root=False).plan.changed is False


# Safety (#18).

SECRET_LINE = f"AWS_SECRET_ACCESS_KEY={FAKE_SECRET}\n"


def _built(output: Path, *, bucket: bool = True) -> set[str]:
    """The files the build's manifest lists, as a bucket (or a folder) receives them."""
    files = set(orjson.loads((output / MANIFEST).read_bytes())["files"])
    return files - {"_headers", "_redirects"} if bucket else files


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "site.toml"
    config.write_text('title = "T"\nbase_url = "https://example.org/"\n')
    return config


# Links and other things that are not files.


@pytest.mark.parametrize("kind", ["file", "folder", "dangling", "fifo"])
def test_a_link_in_the_output_refuses_the_deploy_naming_it(
    aws, bucket, tmp_path, output, site, kind
):
    """A link to a file or a folder (or a FIFO) in the output refuses the deploy, naming the
    path and never what it points at; nothing is sent to a bucket or written to a folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "environ").write_text(SECRET_LINE)
    name, what = {
        "file": ("env.txt", "a symbolic link"),
        "folder": ("articles/extra", "a symbolic link"),
        "dangling": ("gone.html", "a symbolic link"),
        "fifo": ("pipe", "a FIFO, socket or device"),
    }[kind]
    if kind == "file":
        (output / name).symlink_to("/proc/self/environ")
    elif kind == "folder":
        (output / name).symlink_to(outside, target_is_directory=True)
    elif kind == "dangling":
        (output / name).symlink_to(tmp_path / "nowhere")
    else:
        os.mkfifo(output / name)  # reading it would block the deploy forever
    recorder = Recorder()
    with pytest.raises(DeployError) as raised:
        _deploy(output, site, f"s3://{bucket}/site", recorder)
    message = str(raised.value)
    assert message.startswith(f"refusing to deploy: {output / name} is {what}")
    assert "\n" not in message
    assert FAKE_SECRET not in message and str(outside) not in message and "/proc" not in message
    assert recorder.requests == [] and remote_keys(aws, bucket) == {}
    with pytest.raises(DeployError, match=f"{output / name} is {what}"):
        deploy(output, site, target=str(tmp_path / "srv"))
    assert not (tmp_path / "srv").exists()


def test_links_and_files_inside_hidden_folders_are_never_looked_at(aws, bucket, output, site):
    """A link inside .git (never published) does not refuse the deploy, and is not followed."""
    (output / ".git").mkdir()
    (output / ".git" / "environ").symlink_to("/proc/self/environ")
    _deploy(output, site, f"s3://{bucket}/")
    assert set(remote_keys(aws, bucket)) == _built(output)


def test_the_output_itself_may_be_a_link(aws, bucket, tmp_path, output, site):
    """--output may name a link to the built folder: links are refused only inside it."""
    (tmp_path / "public-link").symlink_to(output, target_is_directory=True)
    _deploy(tmp_path / "public-link", site, f"s3://{bucket}/")
    assert_remote_equals_local(aws, bucket, output, site)


def test_a_link_in_the_current_release_is_neither_trusted_nor_linked(tmp_path, output, site):
    """A link planted in a folder target's current release counts as missing: the next
    release gets a copy of the built file, not a hard link to what the link points at."""
    root = tmp_path / "srv"
    deploy(output, site, target=str(root))
    current = (root / "current").resolve()
    planted = tmp_path / "planted.css"
    planted.write_bytes((output / "style.css").read_bytes())  # the same bytes as the built file
    (current / "style.css").unlink()
    (current / "style.css").symlink_to(planted)
    report = deploy(output, site, target=str(root))
    assert report.plan.lines() == ["upload style.css (new)"]
    fresh = (root / "current").resolve() / "style.css"
    assert not fresh.is_symlink() and fresh.read_bytes() == (output / "style.css").read_bytes()
    assert fresh.stat().st_ino != planted.stat().st_ino


# What goes up: the build, and what was added by hand; never temporary or hidden files.


def test_temporary_and_hidden_files_never_go_up(aws, bucket, tmp_path, output, site):
    """A manifest's .tmp left by a full disk, other *.tmp, .git and .DS_Store never go up
    (to a bucket or a folder); a hand-added CNAME and .well-known/ files still do."""
    (output / f"{MANIFEST}.0badf00d.tmp").write_text('{"files": {"half": "written"')
    (output / "articles" / "draft.html.tmp").write_text("<p>half")
    (output / ".git").mkdir()
    (output / ".git" / "config").write_text(f"[http]\n\textraheader = basic {FAKE_SECRET}\n")
    (output / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (output / "CNAME").write_text("news.example.org\n")
    (output / ".well-known").mkdir()
    (output / ".well-known" / "security.txt").write_text("Contact: mailto:sec@example.org\n")
    added = {"CNAME", ".well-known/security.txt"}
    _deploy(output, site, f"s3://{bucket}/site")
    assert set(remote_keys(aws, bucket, "site/")) == _built(output) | added
    root = tmp_path / "srv"
    deploy(output, site, target=str(root))
    current = (root / "current").resolve()
    released = {path.relative_to(current).as_posix() for path in current.rglob("*")}
    assert {path for path in released if not (current / path).is_dir()} == _built(
        output, bucket=False
    ) | added


# Bad settings and environments: one line, the culprit named, no secret, no traceback.


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("AWS_ENDPOINT_URL_S3", "not a url", "AWS_ENDPOINT_URL_S3 is not an endpoint URL"),
        ("AWS_ENDPOINT_URL_S3", "http://user:hunter2@127.0.0.1:9/", "AWS_ENDPOINT_URL_S3 holds"),
        ("AWS_ENDPOINT_URL", "ftp://example.org", "AWS_ENDPOINT_URL is not an endpoint URL"),
        ("FEEDS_DEPLOY__ENDPOINT_URL", "example.org", "the endpoint_url setting is not"),
        ("AWS_REGION", "us east 1", "AWS_REGION is not a region name: 'us east 1'"),
        ("AWS_DEFAULT_REGION", "-west-", "AWS_DEFAULT_REGION is not a region name"),
        ("FEEDS_DEPLOY__REGION", "eu/west", "the region setting is not a region name"),
        ("AWS_PROFILE", "no-such-profile", "(no-such-profile) could not be found"),
        ("AWS_METADATA_SERVICE_TIMEOUT", "soon", "the AWS settings are not valid"),
    ],
)
def test_bad_aws_settings_are_one_line_naming_the_setting(
    aws, bucket, output, site, tmp_path, capsys, monkeypatch, variable, value, named
):
    """A bad endpoint, region or profile (environment or configuration) is a one-line
    'feeds:' message naming it, exit 1: no traceback, no credential."""
    if variable == "AWS_ENDPOINT_URL":
        monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    if variable == "AWS_DEFAULT_REGION":
        monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv(variable, value)
    monkeypatch.chdir(tmp_path)
    argv = ["deploy", "--output", str(output), "--target", f"s3://{bucket}/site"]
    assert main([*argv, "--config", str(_config(tmp_path))]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("feeds: ") and captured.err.count("\n") == 1
    assert named in captured.err
    for secret in (FAKE_SECRET, FAKE_KEY_ID, "hunter2"):
        assert secret not in captured.err
    assert remote_keys(aws, bucket) == {}


@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("s3://[bucket/site", "is not a URL"),
        (f"s3://{FAKE_KEY_ID}:{FAKE_SECRET}@bucket/site", "'s3://***@bucket/site' names no valid"),
        ("s3://bucket:9000/site", "names no valid bucket"),
        ("file://srv/site", "names a host; write file:///path"),
        ("{output}/srv", "overlap"),
        ("ftp://example.org/site", "unknown scheme"),
    ],
)
def test_malformed_targets_are_one_line_without_credentials(
    output, tmp_path, capsys, monkeypatch, target, named
):
    """A malformed target is a one-line usage error (exit 2) that never shows credentials."""
    monkeypatch.chdir(tmp_path)
    argv = ["deploy", "--output", str(output), "--target", target.format(output=output)]
    assert main([*argv, "--config", str(_config(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("feeds: ") and err.count("\n") == 1
    assert named in err
    assert FAKE_SECRET not in err and FAKE_KEY_ID not in err
    assert not (output / "srv").exists()


# Resuming: what went up stays up, and is not sent again.


def test_a_failed_deploy_keeps_what_went_up(aws, bucket, seeds, output, site):
    """A first deploy that fails on one page records every other upload: the next run sends
    that page and the tiers that were not run, nothing that went up already."""
    slug = read_articles(seeds, site).articles[0].slug
    failing = f"site/articles/{slug}/index.html"
    recorder = Recorder(fail_keys={failing})
    with pytest.raises(DeployError) as raised:
        _deploy(output, site, f"s3://{bucket}/site", recorder)
    first = recorder.puts()
    assert str(raised.value).startswith(f"1 file did not go up: articles/{slug}/index.html")
    assert f"the {len(first)} files that went up are recorded" in str(raised.value)
    assert first and all(upload_tier(key.removeprefix("site/")) == 0 for key in first)
    again = Recorder()
    _deploy(output, site, f"s3://{bucket}/site", again)
    assert set(again.puts()) == {f"site/{path}" for path in _built(output)} - set(first)
    assert failing in again.puts()
    assert_remote_equals_local(aws, bucket, output, site, "site/")


def test_a_killed_deploy_keeps_its_checkpoints(aws, bucket, output, site, monkeypatch):
    """A deploy killed half-way keeps the uploads its last manifest checkpoint recorded."""

    class Killed(BaseException):
        """Stands for SIGKILL or Ctrl-C: nothing after it runs."""

    def kill_at(done: int, total: int) -> None:
        if done == 25:
            raise Killed

    monkeypatch.setattr(s3, "CHECKPOINT_EVERY", 10)
    files = len(_built(output))
    with pytest.raises(Killed):
        _deploy(output, site, f"s3://{bucket}/", progress=kill_at)
    report = _deploy(output, site, f"s3://{bucket}/")
    assert len(report.plan.uploads) == files - 20, "two checkpoints of ten: twenty not resent"
    assert_remote_equals_local(aws, bucket, output, site)


def test_a_flaky_network_converges_over_runs(
    aws, bucket, tmp_path, site, proxy, monkeypatch, s3_endpoint
):
    """With every second connection reset, each failed run makes progress, the remote equals
    the output within a few runs, and no feed or list ever goes up before what it links to."""
    write_corpus(tmp_path / "many", 50, seed=4)
    output = tmp_path / "big"
    build(tmp_path / "many", output, site)
    local = {path: upload_tier(path) for path in local_files(output)}
    flaky = proxy(every=2, faults=("reset",))
    left = [len(local)]
    for _ in range(8):
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", flaky.url)
        try:
            _deploy(output, site, f"s3://{bucket}/")
        except DeployError as error:
            assert "files that went up are recorded" in str(error)
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
        up = set(remote_keys(aws, bucket))
        for tier in {local[path] for path in up}:
            assert {path for path, each in local.items() if each < tier} <= up, "order kept"
        left.append(len(_deploy(output, site, f"s3://{bucket}/", dry_run=True).plan.uploads))
        if not left[-1]:
            break
        assert left[-1] < left[-2], f"no progress: {left}"
    assert left[-1] == 0, left
    assert len(flaky.injected) > len(local) // 2, "the faults were there"
    assert_remote_equals_local(aws, bucket, output, site)


# Locks and racing deploys.


def test_a_deploy_waits_for_a_build_of_its_output(aws, bucket, tmp_path, output, site):
    """While a build holds the output's lock, a deploy (also through a link to the output)
    fails naming the build and sends nothing; once it ends, the deploy runs."""
    (tmp_path / "public-link").symlink_to(output, target_is_directory=True)
    hurried = site.model_copy(update={"lock_timeout": 0})
    recorder = Recorder()
    with locked(output, "feeds build", 0):
        for folder in (output, tmp_path / "public-link"):
            with pytest.raises(LockError, match=r"in use by process \d+ \(feeds build\)"):
                _deploy(folder, hurried, f"s3://{bucket}/", recorder)
    assert recorder.requests == []
    _deploy(output, hurried, f"s3://{bucket}/")
    assert_remote_equals_local(aws, bucket, output, site)


def test_two_deploys_to_one_folder_take_turns(tmp_path, output, site):
    """A folder target held by another deploy refuses a deploy and a rollback, naming the
    holder, and changes nothing; the lock is beside the target, never in it."""
    root = tmp_path / "srv"
    deploy(output, site, target=str(root))
    (output / "CNAME").write_text("news.example.org\n")
    hurried = site.model_copy(update={"lock_timeout": 0})
    before = sorted((root / "releases").iterdir())
    with locked(root, "feeds deploy", 0):
        with pytest.raises(LockError, match=r"in use by process \d+ \(feeds deploy\)"):
            deploy(output, hurried, target=str(root))
        with pytest.raises(LockError, match=r"in use by process \d+ \(feeds deploy\)"):
            rollback(str(root), hurried.deploy, hurried.lock_timeout)
    assert sorted((root / "releases").iterdir()) == before
    assert deploy(output, hurried, target=str(root)).plan.lines() == ["upload CNAME (new)"]
    assert sorted(path.name for path in root.iterdir()) == ["current", "releases"]


def test_racing_bucket_deploys_stop_and_converge(aws, bucket, tmp_path, seeds, output, site):
    """A deploy that finds another deploy's manifest stops before its lists, feeds,
    deletions and manifest, in one line; run again, it makes the bucket equal its output."""
    target = f"s3://{bucket}/site"
    _deploy(output, site, target)
    laptop_seeds = tmp_path / "laptop-seeds"
    shutil.copytree(seeds, laptop_seeds)
    write_corpus(tmp_path / "one-more", 1, seed=99)
    shutil.copy(next((tmp_path / "one-more").iterdir()), laptop_seeds / "zz-one-more.txt")
    laptop = tmp_path / "laptop"
    build(laptop_seeds, laptop, site)
    edited = read_articles(seeds, site).articles[0]
    with Path(edited.source).open("a", encoding="utf-8") as seed:
        seed.write("\nA correction from CI.\n")
    build(seeds, output, site)
    other: dict[str, str] = {}

    def race(params, **_):
        if not other and "/articles/" in params["Key"]:
            other["report"] = _deploy(laptop, site, target).summary()  # the laptop wins
            other["manifest"] = aws.head_object(Bucket=bucket, Key=f"site/{s3.MANIFEST_KEY}")[
                "ETag"
            ]

    recorder = Recorder()
    session = recorder.session()
    session.events.register("before-parameter-build.s3.PutObject", race)
    with pytest.raises(DeployError) as raised:
        deploy(output, site, target=target, session=session)
    message = str(raised.value)
    assert other["report"].startswith("uploaded ")
    assert "another deploy changed .feeds-deploy.json.gz while this one ran" in message
    assert "\n" not in message
    assert not {"site/rss.xml", "site/api/v1/index.json"} & set(recorder.puts())
    manifest = aws.head_object(Bucket=bucket, Key=f"site/{s3.MANIFEST_KEY}")["ETag"]
    assert manifest == other["manifest"], "the laptop's manifest stays"
    _deploy(output, site, target)
    assert_remote_equals_local(aws, bucket, output, site, "site/")
    assert _deploy(output, site, target).plan.changed is False


def test_publishing_the_newest_article_sends_a_handful_of_files(
    aws, bucket, tmp_path, s3_endpoint, monkeypatch
):
    """On a site of a thousand articles, a deploy after one new untagged article dated
    after every other puts at most 20 files (the deploy's manifest aside) and invalidates
    those URLs, never /*: 20 paths at most, or 24 when it starts a new archive page (then
    four pages are invalidated at their folder URL too)."""
    from datetime import UTC, datetime

    from benchmarks.convert import SITE

    seeds, output = tmp_path / "many", tmp_path / "public"
    write_corpus(seeds, 999, seed=0)
    distribution = _distribution(s3_endpoint, monkeypatch)
    settings = SITE.deploy.model_copy(update={"cloudfront_distribution_id": distribution})
    site = SITE.model_copy(update={"deploy": settings})
    now = datetime(2027, 1, 1, tzinfo=UTC)
    build(seeds, output, site, now=now)
    _deploy(output, site, f"s3://{bucket}/site/")
    for day, limit in ((1, 20), (2, 24)):  # the 1,000th fills pages; the 1,001st starts some
        (seeds / f"new-{day}.txt").write_text(f"2026-11-0{day}\nnew-{day}\n\nNews.\n")
        build(seeds, output, site, now=now)
        recorder = Recorder()
        _deploy(output, site, f"s3://{bucket}/site/", recorder)
        assert len(recorder.puts()) <= 20, recorder.puts()
        paths = _invalidated(distribution)[-1]
        assert "/*" not in paths and len(paths) <= limit, sorted(paths)
        assert {"/", "/rss.xml", f"/articles/new-{day}/"} <= set(paths)


# What a deploy tells (#21): new and changed files apart, a bucket without CORS,
# and releases to go back and forth between.


def test_the_summary_counts_new_and_changed_files_apart(tmp_path, seeds, output, site):
    """A first deploy uploads only new files; after an edit, the summary tells the
    changed files from the new ones."""
    root = tmp_path / "srv"
    first = deploy(output, site, target=str(root))
    count = len(first.plan.uploads)
    assert first.summary().startswith(f"uploaded {count:,} ({count:,} new, 0 changed, ")
    article = read_articles(seeds, site).articles[0]
    source = Path(article.source)
    source.write_text(source.read_text() + "\nOne more paragraph.\n")
    (seeds / "added.txt").write_text("2025-01-01\nadded-article\n\nA new one.\n")
    build(seeds, output, site)
    second = deploy(output, site, target=str(root))
    new = {action.path for action in second.plan.uploads if action.kind == "upload"}
    assert {"articles/added-article/index.html", "api/v1/articles/added-article.json"} <= new
    changed = len(second.plan.uploads) - len(new)
    assert changed and second.summary().startswith(
        f"uploaded {len(second.plan.uploads)} ({len(new)} new, {changed} changed, "
    )


def test_a_bucket_without_cors_is_named_with_the_fix(
    aws, bucket, output, site, capsys, monkeypatch
):
    """A deploy that uploads to a bucket with no CORS rule ends with a 'feeds: hint:'
    line naming --setup (exit 0); once set up, or with nothing to upload, there is none,
    and a deploy with nothing to do makes no request for it."""
    monkeypatch.chdir(output.parent)
    config = output.parent / "site.toml"
    config.write_text('title = "T"\nbase_url = "https://example.org/"\n')
    target = ["deploy", "--target", f"s3://{bucket}/site", "--config", str(config)]
    assert main(target) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"feeds: hint: bucket {bucket} has no CORS rule")
    assert "'feeds deploy --setup'" in err
    recorder = Recorder()
    assert _deploy(output, site, f"s3://{bucket}/site", recorder).hint is None
    assert "GetBucketCors" not in recorder.requests
    (output.parent / "seeds" / "late.txt").write_text("2025-01-01\nlate\n\nLate.\n")
    build(output.parent / "seeds", output, site)
    assert main([*target, "--setup"]) == 0
    assert "hint" not in capsys.readouterr().err
    (output.parent / "seeds" / "later.txt").write_text("2025-01-02\nlater\n\nLater.\n")
    build(output.parent / "seeds", output, site)
    assert _deploy(output, site, f"s3://{bucket}/site").hint is None


def test_rollback_lists_releases_and_goes_forward_again(tmp_path, seeds, output, site, capsys):
    """'rollback --list' shows the kept releases, oldest first, the current one marked;
    '--to' switches to any of them, newer ones included, so a rollback can be undone."""
    root = tmp_path / "srv"
    deploy(output, site, target=str(root))
    (seeds / "added.txt").write_text("2025-01-01\nadded-article\n\nA new one.\n")
    build(seeds, output, site)
    deploy(output, site, target=str(root))
    older, newer = sorted(path.name for path in (root / "releases").iterdir())
    capsys.readouterr()
    assert main(["rollback", "--target", str(root), "--list"]) == 0
    assert capsys.readouterr().out.splitlines() == [older, f"{newer} (current)"]
    assert main(["rollback", "--target", str(root)]) == 0
    assert (root / "current").resolve().name == older
    assert main(["rollback", "--target", str(root), "--to", newer]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{older} -> {newer}")
    assert (root / "current").resolve().name == newer
    assert (root / "current" / "articles" / "added-article" / "index.html").is_file()
    assert main(["rollback", "--target", str(root), "--to", "20990101T000000000000Z"]) == 1
    assert f"no release '20990101T000000000000Z' is kept here (kept: {older}, {newer})" in (
        capsys.readouterr().err
    )
