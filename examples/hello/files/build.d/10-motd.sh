# Runs in the upper layer as root (non-executable .sh: run with /bin/sh).
echo "This is ${ARTIFACT}${VARIANT:+ (variant ${VARIANT})}, built by genpack-tui." > /etc/motd
