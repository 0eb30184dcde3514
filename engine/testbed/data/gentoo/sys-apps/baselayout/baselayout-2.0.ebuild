# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="Filesystem baselayout (genpack-tui test bed stand-in)"
HOMEPAGE="https://example.invalid/baselayout"
S="${WORKDIR}"

LICENSE="GPL-2"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	insinto /etc
	newins - testbed-release <<-EOT
		NAME="genpack-tui test bed"
		ID=gentoo
	EOT
	keepdir /var/lib/testbed
}
