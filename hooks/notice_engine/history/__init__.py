"""History: git commits into revisions and versions per edition, legacy archive/ files, and
how a version's date is chosen (dates.py)."""
