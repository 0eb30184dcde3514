# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

inherit genpack-ignore

DESCRIPTION="TEST DOUBLES of genpack-progs' in-container programs (genpack-tui test bed)"
HOMEPAGE="https://example.invalid/genpack-overlay"
S="${WORKDIR}"

RDEPEND="app-portage/gentoolkit"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	local f
	for f in genpack-exec-package-scripts genpack-copyup execute-artifact-build-scripts \
		rebuild-kernel-modules-if-necessary genpack-unmerge-masked-packages \
		genpack-break-circular-dep genpack-create-image download; do
		newbin "${FILESDIR}/${f}" "${f}"
	done
	insinto /usr/lib/genpack-progs
	doins "${FILESDIR}"/genpack_pkg.py
}
