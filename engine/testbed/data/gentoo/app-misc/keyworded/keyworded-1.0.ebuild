# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

inherit testbed

DESCRIPTION="Only keyworded ~amd64/~arm64: needs package.accept_keywords"
HOMEPAGE="https://example.invalid/keyworded"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="~amd64 ~arm64"
