# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="genpack base metapackage (test bed stand-in) with package scripts"
HOMEPAGE="https://example.invalid/genpack-overlay"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

RDEPEND="sys-apps/baselayout"

src_install() {
	exeinto /usr/lib/genpack/package-scripts/genpack/base
	doexe "${FILESDIR}"/copyup-fundamentals.sh
	exeinto /usr/lib/genpack/package-scripts/app-misc/hello
	doexe "${FILESDIR}"/hello-marker.sh
	# not executable: genpack-exec-package-scripts must skip it
	insinto /usr/lib/genpack/package-scripts/app-misc/hello
	doins "${FILESDIR}"/README
}
