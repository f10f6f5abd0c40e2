#!/usr/bin/env bash
# Renders listing/icon.svg (a square mark of our own, no rounded corners: the portals round
# them) into listing/icons/icon-<size>.png with the Chromium `cargo xtask setup` installs.
# Run it after changing the mark; a test checks each PNG is square and as large as its name.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/icon.svg" "$work/icon.svg"
for size in 1024 512 256 128 64; do
  printf '<!doctype html><style>html,body{margin:0;background:transparent}img{display:block;width:%spx;height:%spx}</style><img src="icon.svg">' \
    "$size" "$size" > "$work/page.html"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --default-background-color=00000000 \
    --window-size="$size,$size" --screenshot="$here/icons/icon-$size.png" "file://$work/page.html" > /dev/null 2>&1
done
ls -l "$here/icons"
