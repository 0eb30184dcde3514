# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

# @ECLASS: testbed.eclass
# @MAINTAINER:
# genpack-tui test bed <nobody@example.invalid>
# @SUPPORTED_EAPIS: 8
# @BLURB: helpers for the trivial packages of the genpack-tui test bed

case ${EAPI} in
	8) ;;
	*) die "${ECLASS}: EAPI ${EAPI} unsupported" ;;
esac

# @FUNCTION: testbed_write
# @USAGE: <path> <text>
# @DESCRIPTION: install a one-line text file at <path> in the image.
testbed_write() {
	local f=${1}
	dodir "${f%/*}"
	printf '%s\n' "${2}" > "${ED}${f}" || die
}

testbed_src_install() {
	testbed_write "/usr/share/testbed/${PN}" "${CATEGORY}/${PF}"
}

EXPORT_FUNCTIONS src_install
