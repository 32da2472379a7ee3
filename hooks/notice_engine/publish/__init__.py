"""Publish: an edition's pages, feeds, compare files, PDFs and the `notice build` driver."""
