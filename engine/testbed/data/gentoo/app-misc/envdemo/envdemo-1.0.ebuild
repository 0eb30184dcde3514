# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

inherit testbed

DESCRIPTION="Records ENVDEMO_VALUE (set through package.env) in a file"
HOMEPAGE="https://example.invalid/envdemo"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	testbed_write /usr/share/envdemo/value "${ENVDEMO_VALUE:-unset}"
}
