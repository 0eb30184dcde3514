# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="Says hello; USE=greeting and USE=extra install data files"
HOMEPAGE="https://example.invalid/hello"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"
IUSE="+greeting extra"

RDEPEND="dev-libs/libgreet"

src_compile() {
	cat > hello <<-EOT || die
		#!/bin/sh
		. /usr/lib/libgreet/libgreet.sh
		greet "from hello-${PV}"
		[ -f /usr/share/hello/greeting.txt ] && cat /usr/share/hello/greeting.txt
		exit 0
	EOT
	echo "greeting of hello-${PV}" > greeting.txt || die
	echo "extra data of hello-${PV}" > extra.txt || die
}

src_install() {
	dobin hello
	insinto /usr/share/hello
	use greeting && doins greeting.txt
	use extra && doins extra.txt
}

pkg_postinst() {
	elog "hello ${PV} installed with USE='${USE}'"
}
