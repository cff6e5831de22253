"""Render the display of the NHC미디어 seed article to a PNG with headless Chromium.

    python scripts/render_seed.py                          # → docs/seed-display.png (the notebook view)
    python scripts/render_seed.py --html seed.html --page  # the standalone page: the whole article

It annotates the seed article with a pipeline (the shipped default unless ``--model``),
renders :func:`pipeline.render_html` as a page and screenshots it. Chromium is looked up as
``chromium``, ``chromium-browser``, ``google-chrome`` (or ``$CHROMIUM``); Korean needs a CJK
font (Debian: ``apt-get install -y chromium fonts-noto-cjk``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pipeline  # noqa: E402
from pipeline.corpora.sources import SEED_ID, read_seed, resolve_data_dir  # noqa: E402
from pipeline.render.html import INLINE_MAX_HEIGHT, INLINE_TABLE_MAX_HEIGHT  # noqa: E402


def find_chromium() -> str:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if name and shutil.which(name):
            return shutil.which(name)
    raise SystemExit("no Chromium found: install it (Debian: apt-get install -y chromium fonts-noto-cjk) or set $CHROMIUM")


def screenshot(html_path: Path, png: Path, *, width: int, height: int, chromium: str | None = None) -> None:
    chromium = chromium or find_chromium()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kf-chromium-") as profile:
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={png.resolve()}",
            f"--window-size={width},{height}",
            html_path.resolve().as_uri(),
        ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    if not png.exists():
        raise SystemExit(f"Chromium wrote no screenshot to {png}")


def crop_blank_bottom(png: Path, margin: int = 24) -> None:
    """Cut the empty white band below the page's content (needs Pillow; skipped without it)."""
    try:
        from PIL import Image, ImageChops
    except ImportError:
        return
    with Image.open(png) as im:
        rgb = im.convert("RGB")
    bbox = ImageChops.difference(rgb, Image.new("RGB", rgb.size, "white")).getbbox()
    if bbox and bbox[3] + margin < rgb.height:
        rgb.crop((0, 0, rgb.width, bbox[3] + margin)).save(png)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="pipeline directory (default: the shipped default model)")
    ap.add_argument("--data-dir", default=None, help="the shared data directory (default: ../shared/data)")
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "docs" / "seed-display.png")
    ap.add_argument("--html", type=Path, default=None, help="also write the page's HTML here")
    ap.add_argument("--window-size", default="1400,2400", help="WIDTH,HEIGHT of the browser window")
    ap.add_argument("--page", action="store_true", help="the standalone page (the whole article, unboxed), not the notebook view")
    ap.add_argument("--no-crop", action="store_true", help="keep the blank band below the content")
    args = ap.parse_args(argv)

    text = read_seed(resolve_data_dir(args.data_dir))
    nlp = pipeline.load(args.model)
    doc = nlp(text)
    # a page of its own shows the whole article; the notebook view keeps its 640 px text box
    options = {} if args.page else {"max_height": INLINE_MAX_HEIGHT, "table_max_height": INLINE_TABLE_MAX_HEIGHT}
    html = pipeline.render_html(pipeline.from_spacy(doc, SEED_ID), page=True, **options)
    width, height = (int(v) for v in args.window_size.split(","))
    with tempfile.TemporaryDirectory(prefix="kf-render-") as tmp:
        page = Path(args.html) if args.html else Path(tmp) / "seed.html"
        page.write_text(html, encoding="utf-8")
        screenshot(page, args.out, width=width, height=height)
    if not args.no_crop:
        crop_blank_bottom(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
