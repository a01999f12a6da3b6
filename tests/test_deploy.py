"""Deploying to a real S3 API (moto's server on 127.0.0.1) and to a folder."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from benchmarks.corpus import write_corpus
from feeds.build import build
from feeds.build._reading import read_articles
from feeds.cli import main
from feeds.deploy import deploy, upload_tier
from feeds.deploy._plan import Action, Plan, Reason
from feeds.deploy._run import invalidation_paths
from feeds.errors import ConfigError, DeployError
from feeds.models import HeaderRule, Site
from tests.conftest import SITE_CONFIG, make_site
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
    assert {
        f"articles/{newest.slug}/index.html",
        f"api/v1/articles/{newest.slug}.json",
        "api/v1/pages/1.json",
        "rss.xml",
        "atom.xml",
        "feed.json",
    } <= changed
    tiers = [upload_tier(path) for path in puts]
    assert tiers == sorted(tiers), puts
    assert puts.index(f"api/v1/articles/{newest.slug}.json") < puts.index("api/v1/pages/1.json")
    assert puts.index("api/v1/pages/1.json") < min(map(puts.index, ("rss.xml", "feed.json")))
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
            "CallerReference": "feeds-test",
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
    if "index.html" in changed:
        expected.add("/news/")
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
        ("/news/", "a*", ["/news/a%2A"]),
    ],
)
def test_invalidation_paths_encode_only_what_a_url_cannot_carry(root, path, expected):
    """As readers request them (CloudFront misses a path encoded otherwise); * is a wildcard."""
    plan = Plan(tiers=((Action("upload", path, Reason.NEW),),), deletes=())
    assert invalidation_paths(plan, 100, root) == expected
    assert invalidation_paths(plan, 1, root) == ([root + "*"] if len(expected) > 1 else expected)


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
