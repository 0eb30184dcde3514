# not executable: run with /bin/sh, as root
echo "10-root.sh $(id -un) ${ARTIFACT}${VARIANT:+/$VARIANT}" >> /var/lib/build-order
