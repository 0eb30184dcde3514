# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="Many C translation units that take tens of seconds to compile with -O2 on one core"
HOMEPAGE="https://example.invalid/testbed"
# Not reachable: Portage gets the file from GENTOO_MIRRORS (the test bed mirror's distfiles/).
SRC_URI="https://example.invalid/testbed/${P}.tar.gz"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"
# libc is the Debian root's, which no package of the tree provides
REQUIRES_EXCLUDE="libc.so.6"

src_compile() {
	# one object per unit: MAKEOPTS (-jN) runs them in parallel, and FEATURES=distcc spreads them
	emake CC="${CC:-cc}"
}

src_install() {
	emake DESTDIR="${D}" PREFIX=/usr install
}
