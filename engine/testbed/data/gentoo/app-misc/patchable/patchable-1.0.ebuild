# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="Applies user patches from /etc/portage/patches (default src_prepare, eapply_user)"
HOMEPAGE="https://example.invalid/patchable"
S="${WORKDIR}/${P}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_unpack() {
	mkdir -p "${S}" || die
	echo "unpatched message" > "${S}/message.txt" || die
}

src_install() {
	insinto /usr/share/patchable
	doins message.txt
}
