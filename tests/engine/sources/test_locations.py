"""Mirror / overlay URL resolution (argument > environment > genpack default) and URL builders."""
from __future__ import annotations

import pytest

from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.locations import (
    DEFAULT_MIRROR,
    DEFAULT_OVERLAY_URL,
    digests_url,
    distfiles_mirror_env,
    resolve_locations,
    snapshot_url,
    stage3_list_url,
)


def test_defaults_are_genpacks():
    locations = resolve_locations(environ={})
    assert locations.mirror == DEFAULT_MIRROR and locations.mirror.endswith("/")
    assert locations.overlay_url == DEFAULT_OVERLAY_URL and locations.overlay_url.endswith("/main.tar.gz")


def test_environment_overrides_defaults_and_arguments_override_environment():
    env = {"GENPACK_MIRROR": "http://127.0.0.1:8080/gentoo", "GENPACK_OVERLAY_URL": "http://127.0.0.1:8080/o.tar.gz"}
    from_env = resolve_locations(environ=env)
    assert from_env.mirror == "http://127.0.0.1:8080/gentoo/"  # a trailing slash is added
    assert from_env.overlay_url == "http://127.0.0.1:8080/o.tar.gz"
    from_args = resolve_locations("https://127.0.0.2/m/", "https://127.0.0.2/x.tar.gz", environ=env)
    assert (from_args.mirror, from_args.overlay_url) == ("https://127.0.0.2/m/", "https://127.0.0.2/x.tar.gz")


def test_empty_environment_value_means_default():
    assert resolve_locations(environ={"GENPACK_MIRROR": ""}).mirror == DEFAULT_MIRROR


@pytest.mark.parametrize(
    "kwargs, env, origin",
    [
        ({"mirror": "distfiles/gentoo"}, {}, "--mirror"),
        ({"overlay_url": "ftp://host/x.tar.gz"}, {}, "--overlay-url"),
        ({}, {"GENPACK_MIRROR": "file:///srv/mirror"}, "GENPACK_MIRROR"),
        ({}, {"GENPACK_OVERLAY_URL": "https://"}, "GENPACK_OVERLAY_URL"),
    ],
)
def test_bad_urls_name_where_they_came_from(kwargs, env, origin):
    with pytest.raises(SourceError) as caught:
        resolve_locations(environ=env, **kwargs)
    assert str(caught.value).startswith(f"{origin}: expected an http:// or https:// URL, got ")


def test_url_builders():
    mirror = "http://127.0.0.1:1/g/"
    assert stage3_list_url(mirror, "x86_64") == mirror + "releases/amd64/autobuilds/latest-stage3-amd64-systemd.txt"
    assert stage3_list_url(mirror, "i686") == mirror + "releases/x86/autobuilds/latest-stage3-i686-systemd.txt"
    assert stage3_list_url(mirror, "aarch64", "openrc") == (
        mirror + "releases/arm64/autobuilds/latest-stage3-arm64-openrc.txt"
    )
    assert snapshot_url(mirror) == mirror + "snapshots/portage-latest.tar.xz"
    assert digests_url(mirror + "a/s.tar.xz") == mirror + "a/s.tar.xz.DIGESTS"


def test_a_chosen_mirror_is_where_emerge_fetches_distfiles_and_the_default_changes_nothing():
    assert distfiles_mirror_env(None, {}) == {}
    assert distfiles_mirror_env("https://distfiles.gentoo.org", {}) == {}
    assert distfiles_mirror_env("http://127.0.0.1:8080/", {}) == {"GENTOO_MIRRORS": "http://127.0.0.1:8080"}
    assert distfiles_mirror_env(None, {"GENPACK_MIRROR": "http://mirror.example/gentoo/"}) == {
        "GENTOO_MIRRORS": "http://mirror.example/gentoo"}
    assert distfiles_mirror_env("http://a.example/", {"GENPACK_MIRROR": "http://b.example/"}) == {
        "GENTOO_MIRRORS": "http://a.example"}
