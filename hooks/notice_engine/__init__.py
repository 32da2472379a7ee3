"""The privacy-notice engine: sections in, pages, archive and change notices out.

The pipeline runs one way: sources -> history -> render -> outputs. Nothing in
here imports MkDocs except `outputs/mkdocs_adapter`-style glue kept in
`hooks/mkdocs_hooks.py`, so the engine can be tested and reused without it.
"""
