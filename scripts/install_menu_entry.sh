#!/usr/bin/env bash
# Adds Frontdesk to the user's applications menu: the .desktop entry (starting this checkout's
# .venv/bin/frontdesk) and the icon in every size, under DATA_DIR (default: $XDG_DATA_HOME or
# ~/.local/share). Quiet when nothing changed. scripts/setup.sh runs it for a desktop user.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${1:-${XDG_DATA_HOME:-$HOME/.local/share}}"
program="$PWD/.venv/bin/frontdesk"
case "$program" in
  *[\"\`\$\\%]*)  # the Exec= line cannot quote these simply: better no entry than a broken one
    echo "setup: no menu entry (the folder's path holds a quote, \$, \\ or %)" >&2
    exit 0 ;;
esac

changed=""
place() {  # place SOURCE TARGET: copy when different
  if ! cmp -s "$1" "$2"; then
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2.tmp" && chmod 644 "$2.tmp" && mv "$2.tmp" "$2"
    changed=yes
  fi
}

for size in 16 32 48 64 128 256; do
  place "resources/icons/frontdesk-$size.png" "$data/icons/hicolor/${size}x${size}/apps/frontdesk.png"
done
place resources/icons/frontdesk.svg "$data/icons/hicolor/scalable/apps/frontdesk.svg"

entry="$(mktemp)"
trap 'rm -f "$entry"' EXIT
while IFS= read -r line; do
  case "$line" in
    Exec=frontdesk*) line="Exec=\"$program\"${line#Exec=frontdesk}" ;;
  esac
  printf '%s\n' "$line"
done < resources/frontdesk.desktop > "$entry"
place "$entry" "$data/applications/frontdesk.desktop"

# No icon or desktop caches are written: menus watch these folders, and a user's stale
# icon-theme.cache would hide icons other programs add later.
if [ -n "$changed" ]; then
  echo ">> added Frontdesk to the applications menu ($data/applications/frontdesk.desktop)"
fi
