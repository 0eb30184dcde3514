# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="TEST DOUBLE of gentoolkit: only eclean-dist and eclean-pkg (genpack-tui test bed)"
HOMEPAGE="https://example.invalid/gentoolkit"
S="${WORKDIR}"

LICENSE="GPL-2"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	newbin "${FILESDIR}"/eclean eclean-dist
	newbin "${FILESDIR}"/eclean eclean-pkg
}
