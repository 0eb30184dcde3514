# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="Greeting library (a shell library; built with dev-util/buildtool)"
HOMEPAGE="https://example.invalid/libgreet"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

BDEPEND="dev-util/buildtool"

src_compile() {
	{
		echo "# $(buildtool libgreet-${PV})"
		echo 'greet() { echo "Hello, ${1:-world}!"; }'
	} > libgreet.sh || die
}

src_install() {
	insinto /usr/lib/libgreet
	doins libgreet.sh
}
