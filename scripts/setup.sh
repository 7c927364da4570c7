#!/usr/bin/env bash
# Installs everything Frontdesk needs on Debian 12+ / Ubuntu 24.04+: Qt's system libraries,
# fonts, Python with venv, then a virtual environment in .venv holding the package.
# Safe to run again: it only installs what is missing. `--test` adds the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

# Qt offscreen + a visible X11 window + fonts (without fonts Qt draws boxes) + Python.
packages=(
  python3 python3-venv python3-pip ca-certificates
  libglib2.0-0 libgl1 libegl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libxkbcommon0
  fonts-dejavu-core
  libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-shm0
  libxcb-render0 libxcb-xkb1 libxcb-util1
)
if [ -n "$extras" ]; then
  packages+=(desktop-file-utils)  # the tests check the menu entry with desktop-file-validate
  packages+=(poppler-utils)  # and turn the printed recovery sheet into a picture (pdftoppm)
  packages+=(postgresql postgresql-contrib)  # a throwaway clinic server for the tests (initdb, pg_ctl, pg_dump)
fi

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for pkg in "${packages[@]}"; do
  installed "$pkg" || installed "${pkg}t64" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
    sudo="sudo"
  fi
  echo ">> installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  names=()
  for pkg in "${missing[@]}"; do
    # Debian 13 / Ubuntu 24.04 renamed some libraries with a t64 suffix.
    if apt-cache show "$pkg" >/dev/null 2>&1 && [ -n "$(apt-cache show "$pkg" 2>/dev/null)" ]; then
      names+=("$pkg")
    else
      names+=("${pkg}t64")
    fi
  done
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${names[@]}" >/dev/null
fi

# The tests run a throwaway PostgreSQL cluster as the `postgres` system user (initdb refuses
# root), which must reach its own programs: a root folder only root may enter (a container or
# chroot unpacked into a folder made by mktemp) stops it, so others are let through it (search
# only: nobody may list it). On an installed system / already lets them through.
if [ -n "$extras" ] && [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 \
    && ! runuser -u postgres -- /usr/bin/test -x /usr/bin/env 2>/dev/null; then
  echo ">> letting the postgres user through / (search only), to reach its programs"
  chmod o+x /
fi

python=python3
if ! "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  python=/usr/bin/python3
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "setup: Frontdesk needs Python 3.11 or newer ($python is older)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo ">> creating the virtual environment in .venv"
  "$python" -m venv .venv
fi

# Reinstall only when the dependencies changed or the test tools are wanted but missing.
stamp=".venv/.frontdesk-installed"
digest="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$have" = "$digest [test]" ] && [ -z "$extras" ]; then
  extras="[test]"  # already there with the test tools: nothing to do
fi
want="$digest $extras"
if [ "$have" != "$want" ]; then
  echo ">> installing Frontdesk$extras into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extras"
  echo "$want" > "$stamp"
fi

# Bytecode for the package itself (pip already did it for the dependencies): the app starts
# faster, even where the environment says PYTHONDONTWRITEBYTECODE.
.venv/bin/python -m compileall -q frontdesk >/dev/null

# The applications menu entry and icon, for a desktop user: not as root (CI and containers run
# as root, with no menu to add to) nor without a home folder to put them in.
if [ "$(id -u)" -ne 0 ] && [ -n "${HOME:-}" ] && [ -d "$HOME" ] && [ -w "$HOME" ]; then
  bash scripts/install_menu_entry.sh || echo "setup: the menu entry was not added (see above)" >&2
fi
