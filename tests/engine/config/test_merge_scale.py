"""The merge at the scale of a generated configuration: same semantics with 200k entries (the figures
are in benchmarks/bench_merge.py; nothing here is timed)."""
from __future__ import annotations

from genpack_tui.engine.config import merge_document

N = 200_000


def test_200k_packages_merge_with_removals_duplicates_and_readds() -> None:
    data = {
        "packages": [f"cat/p{i}" for i in range(N)] + ["cat/p1"],
        "use": {f"cat/p{i}": "a" for i in range(N)},
        "users": ["u"] * 1000,
        "variants": {"v": {
            "packages": [f"-cat/p{i}" for i in range(0, N, 2)] + ["-cat/none", "cat/p0", "cat/p3"],
            "use": {f"cat/p{i}": "b" for i in range(0, N, 3)},
        }},
    }
    merged, provenance, problems = merge_document(data, variant="v", arch="x86_64", artifact_name="big")
    assert not [p for p in problems if p.is_error]
    assert merged["packages"] == [f"cat/p{i}" for i in range(1, N, 2)] + ["cat/p0"]
    packages = provenance.field("packages")
    assert len(packages.removed) == N // 2 + 1
    assert packages.removed[0].removed.origin.path == "packages[0]"  # the entry it removed, from the top
    assert packages.removed[-1].target == "cat/none" and packages.removed[-1].removed is None
    assert [(i.value, i.reason) for i in packages.ignored] == [
        ("cat/p1", "already listed (packages[1])"), ("cat/p3", "already listed (packages[3])")]
    assert packages.entries[-1].origin.layer == "variants.v"
    use = provenance.field("use")
    assert list(merged["use"]) == [f"cat/p{i}" for i in range(N)]  # first positions kept
    assert merged["use"]["cat/p3"] == "b" and merged["use"]["cat/p4"] == "a"
    assert use.entries[3].overrides[0].value == "a"
    users = provenance.field("users")
    assert len(users.entries) == 1 and len(users.entries[0].overrides) == 999
