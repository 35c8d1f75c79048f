"""Offline reports: Leaflet inlined from an installed PyPI package, every external link removed.

The Leaflet JS/CSS come from the ``xstatic-leaflet`` package (the same Leaflet 1.9.3 folium links
from its CDN), read at build time; the images its CSS refers to (layer-control icon, default marker)
become ``data:`` URIs. No third-party code is kept in the navwatch repository.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

from ..errors import ConfigError

# <script ... src="http(s)://..." ...></script>  and  <link ... href="http(s)://..." ...>
_EXTERNAL_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>\s*</script>\s*""", re.I
)
_EXTERNAL_LINK = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>\s*""", re.I)
_ANY_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""",
    re.I,
)
_MARK = 'data-navwatch="leaflet"'
_CSS_URL = re.compile(r"""url\(\s*['"]?(images/[^'")]+)['"]?\s*\)""")


def _leaflet_dir() -> Path:
    try:
        from xstatic.pkg import leaflet  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "offline reports inline Leaflet from the 'xstatic-leaflet' package, which is not "
            "installed: pip install xstatic-leaflet"
        ) from exc
    return Path(leaflet.BASE_DIR)


@functools.cache
def leaflet_js() -> str:
    """Leaflet's minified JS, safe to put inside a ``<script>`` element."""
    js = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images as ``data:`` URIs, safe inside a ``<style>`` element."""
    base = _leaflet_dir()
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match) -> str:
        f = base / m.group(1)
        if not f.is_file():
            return "none"
        return f"url(data:image/png;base64,{base64.b64encode(f.read_bytes()).decode('ascii')})"

    return _CSS_URL.sub(inline, css).replace("</style", "<\\/style")


def inline_leaflet_html() -> str:
    """``<style>`` + ``<script>`` elements carrying Leaflet, for the page head."""
    return f"<style {_MARK}>{leaflet_css()}</style>\n<script {_MARK}>{leaflet_js()}</script>"


def external_references(html: str) -> list[str]:
    """Tags of ``html`` that would fetch something from the network (scripts, styles, images)."""
    return [m.group(0) for m in _ANY_EXTERNAL.finditer(html)]


def make_offline(html: str) -> str:
    """Remove every external ``<script src>``/``<link href>`` and make sure Leaflet is inlined.

    Raises
    ------
    ConfigError
        Something else in the page still refers to the network (e.g. a plugin's image).
    """
    html = _EXTERNAL_SCRIPT.sub("", html)
    html = _EXTERNAL_LINK.sub("", html)
    if _MARK not in html:
        html = html.replace("<head>", "<head>\n" + inline_leaflet_html(), 1)
    left = external_references(html)
    if left:
        raise ConfigError(f"offline report still refers to the network: {left[0][:120]!r}")
    return html
