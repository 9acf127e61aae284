"""Open the built documentation in headless Chromium: screenshots of pages and a search that must find results.

Run after building the site (``python -m sphinx -b html docs docs/_build/html``)::

    python scripts/docs_browser_check.py --out /tmp/docs-shots

It serves ``docs/_build/html`` on a local port (search reads its index with JavaScript, as in a
real browser), saves one PNG per page named below, and checks that each page rendered (its
title is in the DOM after scripts ran), that the gallery page's figure loaded, and that a
search for a word finds pages.  Needs a ``chromium`` (or ``google-chrome``) executable.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "home": ("index.html", "isingbridge"),
    "api-backend": ("api/generated/isingbridge.backends.Backend.html", "Backend"),
    "guide-backends": ("guide/backends.html", "Backends"),
    "gallery": ("gallery/index.html", "Gallery"),
}


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    sys.exit("no chromium or google-chrome on PATH (Debian: apt-get install chromium)")


def chromium(*args: str) -> str:
    command = [browser(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--virtual-time-budget=8000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "docs" / "_build" / "html", help="the built HTML folder")
    parser.add_argument("--out", type=Path, default=Path("docs-screenshots"), help="where the PNGs go")
    parser.add_argument("--query", default="tempering", help="a word the search must find")
    parser.add_argument("--gallery-page", default=None, help="a gallery page whose figure must load (default: the first)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server, base = serve(args.site)
    failures = []
    pages = dict(PAGES)
    gallery = args.gallery_page or next((p.name for p in sorted((args.site / "gallery").glob("plot_*.html"))), None)
    if gallery:
        pages["gallery-example"] = (f"gallery/{gallery}", "")
    try:
        for name, (path, title) in pages.items():
            dom = chromium("--dump-dom", f"{base}/{path}")
            shot = args.out / f"{name}.png"
            chromium(f"--screenshot={shot}", "--window-size=1400,1800", f"{base}/{path}")
            ok = bool(dom) and (title in dom) and shot.exists()
            if name == "gallery-example":
                images = re.findall(r'<img[^>]+src="([^"]+sphx_glr_[^"]+\.png)"', dom)
                ok = ok and bool(images) and all((args.site / "gallery" / image).exists() for image in images)
                print(f"{name}: {len(images)} figure(s)")
            print(f"{name}: {'rendered' if ok else 'FAILED'} -> {shot}")
            if not ok:
                failures.append(name)
        dom = chromium("--dump-dom", f"{base}/search.html?q={args.query}")
        hits = re.findall(r'<li[^>]*>\s*<a[^>]+href="([^"]+)"', dom.split('id="search-results"', 1)[-1])
        chromium(f"--screenshot={args.out / 'search.png'}", "--window-size=1400,1200", f"{base}/search.html?q={args.query}")
        print(f"search {args.query!r}: {len(hits)} result(s): {hits[:5]}")
        if not hits:
            failures.append("search")
    finally:
        server.shutdown()
    if failures:
        sys.exit(f"failed: {failures}")


if __name__ == "__main__":
    main()
