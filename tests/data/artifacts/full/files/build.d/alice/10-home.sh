# runs as alice with HOME set
id -un > "$HOME/whoami"
