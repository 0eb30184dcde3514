# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="A library with a header and a manual page (kept in images only with --devel)"
HOMEPAGE="https://example.invalid/libdevdemo"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_compile() {
	echo 'devdemo() { echo "devdemo ${PV}"; }' > libdevdemo.sh || die
	echo '#define DEVDEMO_VERSION "1.0"' > devdemo.h || die
	printf '.TH DEVDEMO 3\n.SH NAME\ndevdemo \\- a demo\n' > devdemo.3 || die
}

src_install() {
	insinto /usr/lib/devdemo
	doins libdevdemo.sh
	insinto /usr/include
	doins devdemo.h
	doman devdemo.3
}
