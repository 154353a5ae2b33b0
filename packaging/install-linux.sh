#!/usr/bin/env bash
# Install the bundle built by packaging/build.sh for the current user, or remove it again.
#
#   bash packaging/install-linux.sh [--prefix DIR] [--bundle DIR]
#   bash packaging/install-linux.sh [--prefix DIR] --uninstall
#
# With the default prefix ~/.local it installs
#   ~/.local/opt/ocpplab/                                  a copy of the bundle (dist/ocpplab)
#   ~/.local/bin/ocpplab                                   a symbolic link to ~/.local/opt/ocpplab/ocpplab
#   ~/.local/share/applications/ocpplab.desktop            the menu entry
#   ~/.local/share/icons/hicolor/scalable/apps/ocpplab.svg the icon
#   ~/.local/share/metainfo/io.ocpplab.Desktop.metainfo.xml
# --uninstall removes exactly these. Your sessions and templates (~/.local/share/ocpplab) stay.
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
prefix="$HOME/.local"
bundle="$repo/dist/ocpplab"
action=install

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install-linux.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --bundle) [ $# -ge 2 ] || die "--bundle needs a directory"; bundle="$2"; shift 2 ;;
    --bundle=*) bundle="${1#--bundle=}"; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

prefix="$(realpath -m "$prefix")" # absolute: it goes into the desktop file's Exec line
opt="$prefix/opt/ocpplab"
bin="$prefix/bin/ocpplab"
apps="$prefix/share/applications"
hicolor="$prefix/share/icons/hicolor"
desktop="$apps/ocpplab.desktop"
icon="$hicolor/scalable/apps/ocpplab.svg"
metainfo="$prefix/share/metainfo/io.ocpplab.Desktop.metainfo.xml"

is_bundle() { [ -x "$1/ocpplab" ] && [ -d "$1/_internal" ]; }
is_our_link() { [ -L "$bin" ] && [ "$(readlink "$bin")" = "$opt/ocpplab" ]; }

refresh_caches() {
  if command -v update-desktop-database >/dev/null && [ -d "$apps" ]; then
    update-desktop-database -q "$apps" || true
  fi
  # Only refresh an icon cache that exists: creating one would hide icons installed later without it.
  if command -v gtk-update-icon-cache >/dev/null && [ -f "$hicolor/icon-theme.cache" ]; then
    gtk-update-icon-cache -q -t -f "$hicolor" || true
  fi
}

uninstall() {
  if is_our_link; then rm -f "$bin"; echo "removed $bin"; elif [ -e "$bin" ] || [ -L "$bin" ]; then
    echo "left $bin alone: it is not a link to $opt/ocpplab" >&2
  fi
  if is_bundle "$opt"; then rm -rf "$opt"; echo "removed $opt"; elif [ -e "$opt" ]; then
    echo "left $opt alone: it does not look like an OCPPLab bundle" >&2
  fi
  for file in "$desktop" "$icon" "$metainfo"; do
    if [ -f "$file" ]; then rm -f "$file"; echo "removed $file"; fi
  done
  refresh_caches
}

install_bundle() {
  is_bundle "$bundle" || die "no bundle in $bundle: build it first with  bash packaging/build.sh"
  bundle="$(realpath "$bundle")"
  if [ -e "$bin" ] || [ -L "$bin" ]; then
    is_our_link || die "$bin exists and is not a link to $opt/ocpplab (another install?); remove it first"
  fi
  if [ -e "$opt" ] && ! is_bundle "$opt"; then
    die "$opt exists and does not look like an OCPPLab bundle; remove it first"
  fi

  # Copy next to the old bundle, then swap, so a failed copy leaves the old one working.
  mkdir -p "$(dirname "$opt")"
  staging="$opt.new.$$"
  trap 'rm -rf "$staging"' EXIT
  cp -a "$bundle" "$staging"
  rm -rf "$opt"
  mv "$staging" "$opt"
  trap - EXIT

  mkdir -p "$(dirname "$bin")"
  ln -sfn "$opt/ocpplab" "$bin"

  # The menu entry starts the link by its full path: ~/.local/bin is not on every session's PATH.
  exec_line="$bin"
  case "$bin" in *" "*) exec_line="\"$bin\"" ;; esac
  mkdir -p "$apps"
  while IFS= read -r line; do
    case "$line" in
      Exec=ocpplab) line="Exec=$exec_line" ;;
      TryExec=ocpplab) line="TryExec=$bin" ;;
    esac
    printf '%s\n' "$line"
  done <"$repo/packaging/ocpplab.desktop" >"$desktop"
  chmod 644 "$desktop"

  app_icon="$opt/_internal/ocpplab_desktop/resources/icons/app.svg"
  [ -f "$app_icon" ] || app_icon="$repo/resources/icons/app.svg"
  install -D -m 644 "$app_icon" "$icon"
  install -D -m 644 "$repo/packaging/io.ocpplab.Desktop.metainfo.xml" "$metainfo"
  refresh_caches

  echo "installed $opt ($(du -sh "$opt" | cut -f1))"
  echo "          $bin -> $opt/ocpplab"
  echo "          $desktop"
  echo "          $icon"
  echo "          $metainfo"
  case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "note: $prefix/bin is not on your PATH; the menu entry works anyway" ;;
  esac
}

if [ "$action" = uninstall ]; then uninstall; else install_bundle; fi
