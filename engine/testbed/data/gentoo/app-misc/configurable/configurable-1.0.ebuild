# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="Installs /etc/portage/savedconfig/app-misc/configurable as its configuration"
HOMEPAGE="https://example.invalid/configurable"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	local saved="${PORTAGE_CONFIGROOT%/}/etc/portage/savedconfig/${CATEGORY}/${PN}"
	insinto /etc
	if [[ -f ${saved} ]]; then
		elog "using saved configuration ${saved}"
		newins "${saved}" configurable.conf
	else
		newins - configurable.conf <<< "default configuration"
	fi
}
