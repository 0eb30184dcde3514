# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

inherit testbed

DESCRIPTION="Under TESTBED-EULA, which is not in @FREE: needs package.license"
HOMEPAGE="https://example.invalid/licensed"
S="${WORKDIR}"

LICENSE="TESTBED-EULA"
SLOT="0"
KEYWORDS="amd64 arm64"
