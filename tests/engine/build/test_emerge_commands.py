from genpack_tui.engine.build.emerge_commands import (
    EmergeOptions,
    buildtime_first_step,
    circulardep_breaker_step,
    main_emerge_step,
    post_emerge_steps,
)


def test_main_emerge_has_genpack_flags_sets_and_parallel_and_excludes():
    opts = EmergeOptions(parallel_jobs=2, binpkg_excludes=("sys-kernel/gentoo-kernel", "app-misc/x"))
    argv = main_emerge_step(opts).argv
    assert argv[0] == "emerge"
    assert argv[argv.index("-bk"):] == [
        "-bk", "--binpkg-respect-use=y", "-uDN", "--keep-going", "--jobs=2", "--load-average=2",
        "--usepkg-exclude", "sys-kernel/gentoo-kernel app-misc/x",
        "--buildpkg-exclude", "sys-kernel/gentoo-kernel app-misc/x",
        "@world", "@genpack-runtime", "@genpack-buildtime"]


def test_no_parallel_no_excludes_by_default():
    argv = buildtime_first_step(EmergeOptions()).argv
    assert "--jobs" not in " ".join(argv) and "--usepkg-exclude" not in argv
    assert argv[-1] == "@genpack-buildtime"


def test_breaker_use_goes_to_the_environment_not_argv():
    step = circulardep_breaker_step(["media-libs/freetype"], "-harfbuzz", EmergeOptions())
    assert step.setenv == {"USE": "-harfbuzz"}
    assert "-u" in step.argv and "-uDN" not in step.argv and step.argv[-1] == "media-libs/freetype"
    assert circulardep_breaker_step(["a/b"], None, EmergeOptions()).setenv == {}


def test_depclean_fallback_and_deep_depclean():
    normal = {s.name: s for s in post_emerge_steps(EmergeOptions())}
    assert normal["depclean"].check is False and "--with-bdeps=n" not in normal["depclean"].argv
    deep = {s.name: s for s in post_emerge_steps(EmergeOptions(deep_depclean=True))}
    assert deep["depclean"].check is True and "--with-bdeps=n" in deep["depclean"].argv
    assert normal["cleanup"].argv[-1].endswith("eclean-pkg")
    assert post_emerge_steps(EmergeOptions(independent_binpkgs=True))[-1].argv[-1].endswith("eclean-pkg -d")
    assert [s.name for s in post_emerge_steps(EmergeOptions())] == [
        "rebuild-kernel-modules", "preserved-rebuild", "unmerge-masked", "depclean", "cleanup"]
