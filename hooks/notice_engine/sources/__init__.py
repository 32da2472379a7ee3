"""Sources: the notice's Markdown as it stands in one tree, and the importers that write it."""
