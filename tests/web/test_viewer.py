"""The OHIF viewer at /viewer/ over HTTP: its page for signed-in people, moved to /viewer/ from the root it
was built for, its own Content-Security-Policy, and an app-config.js naming the hub's own DICOMweb."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.governance import Governance, SettableClock
from imaging_hub.web.viewer import OhifBundle


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    assert OhifBundle("/viewer/").installed, "OHIF viewer missing: run scripts/build-web-assets.sh"
    data = tmp_path_factory.mktemp("viewer")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def test_viewer_page_is_ohifs_moved_under_viewer(hub: Hub) -> None:
    answer = hub.client("res@uni.example").get("/viewer/")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "<title>OHIF Viewer</title>" in answer.text
    assert 'window.PUBLIC_URL="/viewer/"' in answer.text and 'src="/viewer/app-config.js"' in answer.text
    assert 'src="/app' not in answer.text and 'href="/assets' not in answer.text
    policy = answer.headers["content-security-policy"]
    assert "'wasm-unsafe-eval'" in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'self'" in policy  # framed by the hub's own reading page, no other site
    assert policy.count("'sha256-") == 2 and "script-src 'self'" in policy  # its two inline scripts, no others
    # Routes of the app get its page; the study route is where the study browser sends people.
    study = hub.studies["LUNG1"]
    assert "OHIF Viewer" in hub.client("res@uni.example").get(f"/viewer/viewer?StudyInstanceUIDs={study}").text


def test_viewer_page_needs_a_session_but_its_files_do_not(hub: Hub) -> None:
    anonymous = hub.client()
    answer = anonymous.get("/viewer/viewer?StudyInstanceUIDs=1.2.3")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    assert anonymous.get("/viewer/app-config.js").status_code == 200


def test_app_config_names_the_hubs_dicomweb(hub: Hub) -> None:
    answer = hub.client().get("/viewer/app-config.js")
    assert answer.headers["content-type"].startswith("text/javascript")
    text = answer.text
    assert '"qidoRoot": "/dicom-web"' in text and '"wadoRoot": "/dicom-web"' in text
    assert '"wadoUriRoot": "/dicom-web"' in text and "window.location.origin + source[key]" in text
    assert '"routerBasename": "/viewer"' in text and '"supportsFuzzyMatching": true' in text
    assert "@ohif/extension-default.dataSourcesModule.dicomweb" in text and "cloudfront" not in text


def test_bundles_fetch_their_chunks_from_viewer(hub: Hub) -> None:
    client = hub.client()
    page = hub.client("res@uni.example").get("/viewer/").text
    bundle = page.split('src="/viewer/app.bundle.', 1)[1].split('"', 1)[0]
    script = client.get(f"/viewer/app.bundle.{bundle}")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert '__webpack_require__.p = "/viewer/";' in script.text and '__webpack_require__.p = "/";' not in script.text
    assert "immutable" in script.headers["cache-control"]
    css = client.get("/viewer/app.bundle.css").text
    assert "url(/viewer/" in css and "url(/a" not in css


@pytest.mark.parametrize("path", ["/viewer/no-such-file.js", "/viewer/%2e%2e/%2e%2e/pyproject.toml",
                                  "/viewer/assets/..%2f..%2findex.html.bak"])
def test_missing_and_outside_files_are_not_found(hub: Hub, path: str) -> None:
    assert hub.client("res@uni.example").get(path).status_code == 404
