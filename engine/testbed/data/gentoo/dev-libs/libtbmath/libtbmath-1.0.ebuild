# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="A small C library (libtbmath.so.1), compiled from its distfile"
HOMEPAGE="https://example.invalid/testbed"
# Not reachable: Portage gets the file from GENTOO_MIRRORS (the test bed mirror's distfiles/).
SRC_URI="https://example.invalid/testbed/${P}.tar.gz"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"
# libc is the Debian root's, which no package of the tree provides
REQUIRES_EXCLUDE="libc.so.6"

src_compile() {
	emake CC="${CC:-cc}"
}

src_install() {
	emake DESTDIR="${D}" PREFIX=/usr install
}
