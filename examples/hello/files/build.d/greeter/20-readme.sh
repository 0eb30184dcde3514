#!/bin/sh
# Runs as the user "greeter" with HOME set to their home directory.
echo "hello from $(id -un)" > "$HOME/README"
