# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="TEST DOUBLE of genpack-install: only a dummy EFI binary for the superfloppy path"
HOMEPAGE="https://example.invalid/genpack-overlay"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	insinto /usr/lib/genpack-install
	newins - bootx64.efi <<< "dummy EFI application of the genpack-tui test bed (not bootable)"
}
