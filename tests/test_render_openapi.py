"""api/v1/openapi.json: valid OpenAPI 3.1, every path exists, schemas match the published ones."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from feeds.api_models import SCHEMAS

OPENAPI = PurePosixPath("api/v1/openapi.json")
INDEX = PurePosixPath("api/v1/index.json")


def _openapi(tree) -> dict:
    return json.loads(tree[OPENAPI])


def _file(tree, site, server: str, path: str) -> PurePosixPath:
    url = server + path
    assert url.startswith(site.base_url), url
    return PurePosixPath(url.removeprefix(site.base_url))


def test_openapi_validates_as_3_1(tree):
    """The document is valid OpenAPI 3.1 (openapi-spec-validator)."""
    document = _openapi(tree)
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_validator_rejects_a_broken_document(tree):
    """The validator is not a no-op: a path parameter left undeclared is an error."""
    document = _openapi(tree)
    del document["paths"]["/api/v1/articles/{slug}.json"]["get"]["parameters"]
    with pytest.raises(OpenAPIValidationError):
        validate(document, cls=OpenAPIV31SpecValidator)


def test_every_documented_path_exists_in_the_build(tree, site, articles):
    """Each path, its template filled from the build, is a file the build wrote."""
    document = _openapi(tree)
    [server] = [entry["url"] for entry in document["servers"]]
    index = json.loads(tree[INDEX])
    links = index["links"]
    # Every combination of template values the build has: (values by template) per list.
    lists = [("", index["page_count"])]
    lists += [
        (f"tags/{tag['slug']}/", -(-tag["article_count"] // index["page_size"]))
        for tag in links["tags"]
    ]
    lists += [
        (f"years/{y['year']}/", -(-y["article_count"] // index["page_size"]))
        for y in links["years"]
    ]
    expected = {
        "/api/v1/index.json": [{}],
        "/api/v1/articles/{slug}.json": [{"{slug}": article.slug} for article in articles],
        "/api/v1/pages/{page}.json": [{"{page}": str(n)} for n in range(1, lists[0][1] + 1)],
        "/api/v1/tags/{tag}/index.json": [{"{tag}": tag["slug"]} for tag in links["tags"]],
        "/api/v1/years/{year}/index.json": [{"{year}": str(y["year"])} for y in links["years"]],
        "/api/v1/tags/{tag}/pages/{page}.json": [
            {"{tag}": root.split("/")[1], "{page}": str(n)}
            for root, count in lists if root.startswith("tags/") for n in range(1, count + 1)
        ],
        "/api/v1/years/{year}/pages/{page}.json": [
            {"{year}": root.split("/")[1], "{page}": str(n)}
            for root, count in lists if root.startswith("years/") for n in range(1, count + 1)
        ],
    }  # fmt: skip
    assert set(document["paths"]) == set(expected)
    for path, item in document["paths"].items():
        assert list(item) == ["get"]
        declared = {p["name"] for p in item["get"].get("parameters", [])}
        assert declared == {name.strip("{}") for name in expected[path][0]}, path
        for values in expected[path]:
            filled = path
            for template, value in values.items():
                filled = filled.replace(template, value)
            assert _file(tree, site, server, filled) in tree, filled


def test_index_links_to_the_openapi_document(tree, site):
    """api/v1/index.json names openapi.json's absolute URL among its links."""
    links = json.loads(tree[INDEX])["links"]
    assert links["openapi"] == site.url(str(OPENAPI))


def test_documents_follow_the_openapi_response_schemas(tree):
    """Each built document validates against its operation's 200 response schema."""
    document = _openapi(tree)
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
    operations = {
        "index.json": "/api/v1/index.json",
        "pages/": "/api/v1/pages/{page}.json",
        "articles/": "/api/v1/articles/{slug}.json",
    }
    checked = 0
    for path, data in tree.items():
        relative = str(path).removeprefix("api/v1/")
        key = next((k for k in operations if relative.startswith(k)), None)
        if not str(path).startswith("api/v1/") or key is None:
            continue
        response = document["paths"][operations[key]]["get"]["responses"]["200"]
        ref = response["content"]["application/json"]["schema"]["$ref"]
        schema = {"$ref": "urn:openapi" + ref}
        Draft202012Validator(schema, registry=registry).validate(json.loads(data))
        checked += 1
    assert checked == 6  # index, two pages, three articles


def test_components_match_the_published_schemas(tree):
    """The embedded schemas equal those under api/v1/schema/, only their $refs differ."""
    components = _openapi(tree)["components"]["schemas"]
    for name, model in SCHEMAS.items():
        published = json.loads(tree[PurePosixPath(f"api/v1/schema/{name}.json")])
        text = json.dumps(published).replace('"#/$defs/', '"#/components/schemas/')
        published = json.loads(text)
        assert published["properties"] == components[model.__name__]["properties"]
        assert published["required"] == components[model.__name__]["required"]
        for definition, schema in published.get("$defs", {}).items():
            assert components[definition] == schema, definition
