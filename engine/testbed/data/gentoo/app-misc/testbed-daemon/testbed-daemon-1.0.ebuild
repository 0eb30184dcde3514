# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="A oneshot service with a systemd unit (for genpack's services)"
HOMEPAGE="https://example.invalid/testbed-daemon"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

RDEPEND="virtual/greeter"

src_install() {
	newbin - testbed-daemon <<-'EOT'
		#!/bin/sh
		echo "testbed-daemon started" > /run/testbed-daemon.status
	EOT
	insinto /usr/lib/systemd/system
	newins - testbed-daemon.service <<-'EOT'
		[Unit]
		Description=genpack-tui test bed daemon

		[Service]
		Type=oneshot
		ExecStart=/usr/bin/testbed-daemon
		RemainAfterExit=yes

		[Install]
		WantedBy=multi-user.target
	EOT
}
