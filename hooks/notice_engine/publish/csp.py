"""The pages' Content-Security-Policy: scripts only from the site itself, or inline ones
the theme wrote, each allowed by its SHA-256 hash.

mkdocs-material writes a few small inline scripts (its local storage helpers, the colour
palette, tabs); the engine's own scripts are files (`assets/notice.js`). Allowing inline
scripts as a class (`'unsafe-inline'`) would let any script that slipped into a page run,
so each page's CSP lists the hashes of the inline scripts of its *theme* part only: a
script inside the notice's own content (which the sanitiser already removes) never gets
a hash, so a browser would refuse to run it anyway.

One page, compare/, also gets `'unsafe-eval'`: Brython runs the engine's redline code
there by compiling Python to JavaScript in the browser, which needs `eval`/`Function`.
What it compiles is only the site's own bundle (compare/js/, built from the engine's
source); the files the page fetches are data, parsed as JSON, never run. Every other
page keeps the policy without it.
"""

from __future__ import annotations

import base64
import hashlib
import re

POLICY = ("default-src 'self'; script-src 'self'{eval}{hashes}; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
          "frame-src 'none'; base-uri 'self'; form-action 'self'")
_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">')
# An inline script a browser runs: no src, and no type, or a JavaScript one.
_INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"(?!text/javascript\"|module\")[^\"]*\")[^>]*>"
    r"(.*?)</script>", re.S | re.I)


def meta(hashes: list[str] = (), allow_eval: bool = False) -> str:
    """The CSP as a <meta> element, allowing exactly these inline scripts (and `eval` for
    the compare page's Brython)."""
    allowed = "".join(f" 'sha256-{h}'" for h in hashes)
    policy = POLICY.format(eval=" 'unsafe-eval'" if allow_eval else "", hashes=allowed)
    return f'<meta http-equiv="Content-Security-Policy" content="{policy}">'


def script_hashes(html: str) -> list[str]:
    """Base64 SHA-256 of each distinct inline script's text, in order of appearance."""
    found = [base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode()
             for m in _INLINE_SCRIPT.finditer(html)]
    return list(dict.fromkeys(found))


def with_script_hashes(page: str, content: str = "", allow_eval: bool = False) -> str:
    """The page with its CSP <meta> allowing the inline scripts outside `content` (the
    notice's text on it, which is never trusted to run anything)."""
    trusted = page.replace(content, "", 1) if content else page
    return _META.sub(lambda _: meta(script_hashes(trusted), allow_eval), page, count=1)
