#!/bin/sh
# Package script of app-misc/hello (test bed): proves that genpack-exec-package-scripts ran it.
set -e
mkdir -p /var/lib/testbed
echo "hello package script ran (ARTIFACT=${ARTIFACT:-} VARIANT=${VARIANT:-})" > /var/lib/testbed/hello-package-script
