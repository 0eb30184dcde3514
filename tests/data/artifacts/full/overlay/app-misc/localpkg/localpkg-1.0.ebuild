# Copyright 2026 genpack-tui tests
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="A package from the artifact's own overlay/ (its Manifest is regenerated)"
HOMEPAGE="https://example.invalid/localpkg"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	insinto /usr/share/localpkg
	newins - marker <<< "from the local overlay"
}
