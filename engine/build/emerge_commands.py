"""The lower phase's emerge sequence (docs/genpack.md §5.4) as argv lists, one per step.

Pure functions: which commands run, in which order, with which flags. The phase runner executes
them in the lower container; tests check them without one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Every emerge call of ours adds these: plain output for the parser and for logs.
OUTPUT_FLAGS = ("--color=n", "--nospinner")
BINPKG_FLAGS = ("-bk", "--binpkg-respect-use=y")


@dataclass(frozen=True)
class EmergeOptions:
    parallel_jobs: int | None = None  # --parallel: os.cpu_count()
    binpkg_excludes: tuple[str, ...] = ()
    deep_depclean: bool = False
    independent_binpkgs: bool = False
    getbinpkg: bool = False  # a binhost is configured (engine/build/binhost.py)

    @property
    def binpkg(self) -> list[str]:
        return [*BINPKG_FLAGS, "--getbinpkg"] if self.getbinpkg else list(BINPKG_FLAGS)

    @property
    def parallel(self) -> list[str]:
        n = self.parallel_jobs
        return [f"--jobs={n}", f"--load-average={n}"] if n else []

    @property
    def excludes(self) -> list[str]:
        if not self.binpkg_excludes:
            return []
        joined = " ".join(self.binpkg_excludes)
        return ["--usepkg-exclude", joined, "--buildpkg-exclude", joined]


@dataclass(frozen=True)
class Step:
    name: str          # stable id, e.g. "emerge-world"
    title: str         # genpack's log line
    argv: list[str]
    setenv: dict[str, str] = field(default_factory=dict)
    check: bool = True  # a failure stops the phase


def emerge(*args: str) -> list[str]:
    return ["emerge", *OUTPUT_FLAGS, *args]


def circulardep_breaker_step(packages: list[str], use: str | None, opts: EmergeOptions) -> Step:
    env = {"USE": use} if use else {}
    return Step("circulardep-breaker", "Emerging circular dependency breaker packages...",
                emerge(*opts.binpkg, "-u", "--keep-going", *opts.parallel, *opts.excludes, *packages),
                setenv=env)


def genpack_progs_step(opts: EmergeOptions | None = None) -> Step:
    binpkg = opts.binpkg if opts else BINPKG_FLAGS
    return Step("genpack-progs", "Checking for circular dependencies...",
                emerge("--oneshot", "--update", "--nodeps", *binpkg, "genpack/genpack-progs"))


def automatic_breaker_step(opts: EmergeOptions) -> Step:
    return Step("break-circular-deps", "Breaking circular dependencies...",
                ["genpack-break-circular-dep", *opts.parallel])


def buildtime_first_step(opts: EmergeOptions) -> Step:
    return Step("emerge-buildtime-first", "Emerging buildtime_packages first (buildtime_packages_first=true)...",
                emerge(*opts.binpkg, "-uDN", "--keep-going", *opts.parallel, *opts.excludes, "@genpack-buildtime"))


def main_emerge_step(opts: EmergeOptions) -> Step:
    sets = ["@world", "@genpack-runtime", "@genpack-buildtime"]
    return Step("emerge-world", "Emerging all packages...",
                emerge(*opts.binpkg, "-uDN", "--keep-going", *opts.parallel, *opts.excludes, *sets))


def post_emerge_steps(opts: EmergeOptions) -> list[Step]:
    steps = [
        Step("rebuild-kernel-modules", "Rebuilding kernel modules if necessary...",
             ["rebuild-kernel-modules-if-necessary"]),
        Step("preserved-rebuild", "Rebuilding preserved packages...",
             emerge(*opts.binpkg, *opts.parallel, *opts.excludes, "@preserved-rebuild")),
        Step("unmerge-masked", "Unmerging masked packages...",
             ["genpack-unmerge-masked-packages", *opts.parallel]),
    ]
    if opts.deep_depclean:
        steps.append(Step("depclean", "Cleaning up...", emerge("--depclean", "--with-bdeps=n")))
    else:
        # genpack: a plain depclean first; on failure warn and retry with --with-bdeps=n
        steps.append(Step("depclean", "Cleaning up...", emerge("--depclean"), check=False))
    cleanup = "etc-update --automode -5 && eclean-dist -d && eclean-pkg" + (" -d" if opts.independent_binpkgs else "")
    steps.append(Step("cleanup", "Cleaning up caches...", ["sh", "-c", cleanup]))
    return steps


def depclean_fallback_step() -> Step:
    return Step("depclean-bdeps", "Retrying depclean with --with-bdeps=n...", emerge("--depclean", "--with-bdeps=n"))
