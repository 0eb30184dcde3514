# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

inherit genpack-ignore

DESCRIPTION="genpack-progs' REAL in-container programs, installed under upstream's names (genpack-tui test bed)"
HOMEPAGE="https://example.invalid/genpack-overlay"
S="${WORKDIR}"

# Upstream's other run-time dependencies are not in the test bed's tree (docs/test-bed.md §6).
RDEPEND="app-portage/gentoolkit"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	# upstream's python_domodule: python-single-r1 is not in the test bed, so the system python's path
	insinto /usr/lib/python3/dist-packages
	doins "${FILESDIR}"/genpack_pkg.py
	# upstream installs every other program as /usr/bin/<name without its extension>
	exeinto /usr/bin
	local f name
	for f in "${FILESDIR}"/*.py "${FILESDIR}"/*.sh; do
		name=${f##*/}
		[[ ${name} == genpack_pkg.py ]] && continue
		newexe "${f}" "${name%.*}"
	done
}
