"""The workbench's Image pane: the last build's image as a size tree and a package table, with what
changed since the build before it."""
