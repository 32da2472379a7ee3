"""History: git commits into revisions and versions per edition (and legacy archive files)."""
