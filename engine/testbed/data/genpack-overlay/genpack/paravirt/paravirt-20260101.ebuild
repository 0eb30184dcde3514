# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="genpack paravirt metapackage (test bed stand-in)"
HOMEPAGE="https://example.invalid/genpack-overlay"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

RDEPEND="genpack/base"

src_install() {
	insinto /usr/share/genpack
	newins - paravirt <<< "paravirt"
}
