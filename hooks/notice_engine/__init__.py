"""The privacy-notice engine: sections in, pages, archive and change notices out.

The pipeline runs one way: sources -> history -> render -> outputs. Only the glue
imports MkDocs: `mkdocs_adapter` (which a repository's `hooks/mkdocs_hooks.py`
imports) and `sitebuild` (`notice build`), so the engine can be tested and reused
without it.
"""
