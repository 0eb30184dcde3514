# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

# Test double of the real genpack/devel (which pulls binutils, gcc and gdb): only the marker that
# puts genpack-progs into devel mode, /usr/bin/genpack-devel.
DESCRIPTION="genpack devel metapackage (test bed stand-in)"
HOMEPAGE="https://example.invalid/genpack-overlay"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	exeinto /usr/bin
	newexe - genpack-devel <<-EOT
		#!/bin/sh
		echo "devel image (genpack/devel-${PV})"
	EOT
}
