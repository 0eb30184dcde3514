"""Container runtime: host detection, the privileged operations, nspawn, mounts, locks and the build worker.

``privileged`` is the only module in the project that mounts, formats, extracts as root, packs
images or starts containers; ``confined`` does the file operations as root (never following a link
out of the directory they work in). Build jobs run through ``worker.run_job`` in a child process with a private mount
namespace, so mounts never outlive a build.

Import the submodules themselves (``genpack_tui.engine.runtime.errors``, ``.host``, ``.lock``, ...): this package
re-exports nothing, so that importing one light module (e.g. the errors) does not load them all.
"""
