# Copyright 2026 genpack-tui test bed
# Distributed under the terms of the GNU General Public License v2

# @ECLASS: genpack-ignore.eclass
# @MAINTAINER:
# genpack-tui test bed <nobody@example.invalid>
# @SUPPORTED_EAPIS: 8
# @BLURB: marks a package as build machinery that genpack never copies into an image
# @DESCRIPTION:
# Inheriting this eclass puts "genpack-ignore" into the package's INHERITED metadata.
# genpack-exec-package-scripts and genpack-copyup skip such packages (and what only they need).

case ${EAPI} in
	8) ;;
	*) die "${ECLASS}: EAPI ${EAPI} unsupported" ;;
esac
