# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="Virtual for a greeting program"
SLOT="0"
KEYWORDS="amd64 arm64"

RDEPEND="|| ( app-misc/hello app-misc/keyworded )"
