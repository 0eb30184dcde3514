"""BuildRequest crosses into the worker as JSON: the one default-variant sentinel survives the trip."""
from __future__ import annotations

import json

from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.config import DEFAULT_VARIANT


def test_the_default_variant_round_trips_through_json() -> None:
    request = BuildRequest("build", "/a")
    assert request.variant is DEFAULT_VARIANT
    back = BuildRequest.from_json(json.loads(json.dumps(request.to_json())))
    assert back == request and back.variant is DEFAULT_VARIANT


def test_no_variant_and_a_named_variant_stay_what_they_are() -> None:
    for variant in (None, "slim"):
        request = BuildRequest("build", "/a", variant=variant)
        assert BuildRequest.from_json(json.loads(json.dumps(request.to_json()))).variant == variant
