"""Figures for the runtime (not a test; prints timings). Run as root:

    sudo .venv/bin/python -m benchmarks.bench_runtime

Compares nspawn's own ``--overlay=+/:<upper>:/`` with mounting overlayfs ourselves and passing
``-D <merged>``, and measures image creation, loop mounts, worker start-up and how quickly loop
devices disappear after a worker is SIGKILLed.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from genpack_tui.engine.events import Event, StepStarted
from genpack_tui.engine.runtime import images, mounts, privileged
from genpack_tui.engine.runtime.host import detect_host
from genpack_tui.engine.runtime.nspawn import NspawnSpec
from genpack_tui.engine.runtime.worker import run_job
from tests.fixtures.runtime import BUSYBOX_ROOT, _build_busybox_root, jobs_python

ROUNDS = 10


def timed(label: str, fn: Callable[[], object], rounds: int = ROUNDS) -> None:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    print(
        f"{label:<58} median {statistics.median(samples) * 1000:8.1f} ms  (min {min(samples) * 1000:.1f}, n={rounds})"
    )


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    host = detect_host()
    if not (BUSYBOX_ROOT / "bin" / "busybox").exists():
        _build_busybox_root(BUSYBOX_ROOT)
    quiet = lambda text, stream: None  # noqa: E731
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        d = Path(tmp)
        timed(
            "create 128 GiB sparse ext4 image (mkfs -O ^has_journal)",
            lambda: (images.create_ext4_image(d / "big.img", images.LOWER_IMAGE_SIZE), (d / "big.img").unlink()),
            5,
        )
        timed(
            "create 20 GiB sparse ext4 image",
            lambda: (images.create_ext4_image(d / "up.img", images.UPPER_IMAGE_SIZE), (d / "up.img").unlink()),
            5,
        )
        lower = images.create_ext4_image(d / "lower.img", 256 * 1024**2)
        upper_img = images.create_ext4_image(d / "upper.img", 256 * 1024**2)
        with mounts.mounted_image(lower) as root:
            privileged.copy_tree_preserving(BUSYBOX_ROOT, root)

        def loop_cycle() -> None:
            with mounts.mounted_image(lower) as root:
                assert root.is_dir()  # mounted, then unmounted on leaving

        timed("loop mount + umount (ext4)", loop_cycle)
        with mounts.mounted_image(lower) as root:
            timed(
                "nspawn -D <mounted image> true",
                lambda: privileged.run_nspawn(NspawnSpec(root=root, command=["true"]), quiet, host=host),
            )
            with mounts.upper_layer(upper_img) as upper:
                timed(
                    "nspawn --overlay=+/:<upper>:/ true (nspawn's overlay)",
                    lambda: privileged.run_nspawn(
                        NspawnSpec(root=root, command=["true"], overlay_upper=upper), quiet, host=host
                    ),
                )
                timed(
                    "nspawn --overlay, write 2000 files",
                    lambda: privileged.run_nspawn(
                        NspawnSpec(
                            root=root,
                            command=["sh", "-c", "mkdir -p /t; for i in $(seq 2000); do echo > /t/$i; done; rm -r /t"],
                            overlay_upper=upper,
                        ),
                        quiet,
                        host=host,
                    ),
                    3,
                )
        with mounts.mounted_image(lower) as root:

            def own_overlay() -> None:
                with mounts.overlay_root(root, upper_img) as merged:
                    privileged.run_nspawn(NspawnSpec(root=merged, command=["true"]), quiet, host=host)

            timed("own overlayfs mount + nspawn -D <merged> true + umount", own_overlay)

            def own_overlay_write() -> None:
                with mounts.overlay_root(root, upper_img) as merged:
                    privileged.run_nspawn(
                        NspawnSpec(
                            root=merged,
                            command=["sh", "-c", "mkdir -p /t; for i in $(seq 2000); do echo > /t/$i; done; rm -r /t"],
                        ),
                        quiet,
                        host=host,
                    )

            timed("own overlayfs, write 2000 files", own_overlay_write, 3)

        timed(
            "worker start-up: run_job of a trivial job",
            lambda: run_job("tests.engine.runtime.jobs:say", {"text": "x"}, lambda e: None, python=jobs_python()),
        )

        # how long until the loop device is gone after SIGKILL of a worker holding a mount
        gaps = []
        for _ in range(5):
            got: dict[str, str] = {}
            ready = threading.Event()

            def sink(event: Event, got: dict[str, str] = got, ready: threading.Event = ready) -> None:
                if isinstance(event, StepStarted):
                    got["pid"] = event.title.split()[0]
                    ready.set()

            t = threading.Thread(
                target=run_job, args=("tests.engine.runtime.jobs:mount_and_wait", {"image": str(lower)}, sink),
                kwargs={"python": jobs_python()}
            )
            t.start()
            ready.wait(30)
            t0 = time.perf_counter()
            os.kill(int(got["pid"]), signal.SIGKILL)
            while str(lower) in privileged.loop_devices():
                time.sleep(0.001)
            gaps.append(time.perf_counter() - t0)
            t.join()
        print(
            f"{'SIGKILL of a worker -> its loop device detached':<58} median {statistics.median(gaps) * 1000:8.1f} ms  (max {max(gaps) * 1000:.1f}, n=5)"
        )


if __name__ == "__main__":
    main()
