# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="Always fails in src_compile (to test build failures)"
HOMEPAGE="https://example.invalid/broken"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_compile() {
	die "intentional failure of the test bed's broken package"
}
