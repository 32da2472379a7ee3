"""The privacy-notice engine: sections in, pages, archive and change notices out.

One package per stage; data flows one way, and a module imports only from its own
stage and the ones above it in this list (tests/test_layout.py checks it):

    errors, config, i18n,   shared by every stage: NoticeError, extra.notice of
    templating, cache, core mkdocs.yml, catalogs, the Jinja templates, the paths
                            of .cache/notice, slugs, safe paths, git plumbing
    sources/    the notice's Markdown as it stands in a tree (work tree or commit);
                `notice import` writes it
    render/     sections to HTML, an edition's text, smart links, canonical text,
                the redline (computed once in redline_core, which the compare page
                also runs in the browser; drawn from templates/redline.html and
                redline.txt)
    history/    git commits -> revisions -> versions per edition; legacy archive/
                files; dates.py says how a version's date is chosen
    publish/    an edition's pages, versions.json and feed, compare files, PDFs,
                and `notice build` (the only driver of MkDocs besides the hook)
    mail/       change notices: recipients, plan, compose, transport, send log
    cli, check, scaffold, mkdocs_adapter
                the commands, and the MkDocs hook's events (a repository's
                hooks/mkdocs_hooks.py imports mkdocs_adapter)

See the README's "Architecture" section for where to change what.
"""
