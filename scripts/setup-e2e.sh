#!/usr/bin/env bash
# Installs what the end-to-end tests and the demo need (called by
# `scripts/setup.sh --e2e`):
#   - Debian packages: chromium (driven by playwright-core), ripgrep (VS Code's
#     search binary, see below), libkrb5-dev + pkg-config + a C++ toolchain
#     (code-server's native modules build from source on Node 20);
#   - code-server, pinned by test/e2e/code-server/package-lock.json, with npm ci.
# Idempotent: apt runs only when a package is missing, npm ci only when the
# lock file (or the Node major version) changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CS_DIR=$ROOT/test/e2e/code-server

log() { printf '\n== setup-e2e: %s\n' "$*"; }
die() { printf 'setup-e2e: %s\n' "$*" >&2; exit 1; }

# --- Debian packages ---
DEB_PACKAGES=(chromium ripgrep libkrb5-dev pkg-config build-essential python3)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get: install them by hand"
  SUDO=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "missing packages ${missing[*]}: run as root or install sudo"
    SUDO=(sudo)
  fi
  log "apt-get install ${missing[*]}"
  apt_log=$(mktemp)
  if ! { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
         "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    tail -30 "$apt_log" >&2
    die "apt-get could not install ${missing[*]} (full log: $apt_log)"
  fi
  rm -f "$apt_log"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium not found after installing the chromium package"

# --- code-server (pinned by its own lock file) ---
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || die "code-server 4.100.3 needs Node 20 (found $(node -v))"
stamp="$(sha256sum "$CS_DIR/package-lock.json" | cut -c1-16) node$node_major"
if [ -f "$CS_DIR/node_modules/.setup-stamp" ] && [ "$(cat "$CS_DIR/node_modules/.setup-stamp")" = "$stamp" ]; then
  exit 0
fi

log "npm ci code-server in $CS_DIR (about 1-2 minutes)"
start=$SECONDS
# @vscode/ripgrep's postinstall downloads rg from GitHub, which is not
# reachable here; it first looks in $TMPDIR/vscode-ripgrep-cache-<version>/,
# so we seed that cache with Debian's rg. The version and asset name follow
# the @vscode/ripgrep that code-server 4.100.3's VS Code locks.
RG_PKG_VERSION=1.15.11
case "$(uname -m)" in
  x86_64) RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz ;;
  aarch64) RG_ASSET=ripgrep-v13.0.0-10-aarch64-unknown-linux-musl.tar.gz ;;
  *) die "no ripgrep asset name known for $(uname -m)" ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/vscode-ripgrep-cache-$RG_PKG_VERSION" "$tmp/rg"
cp "$(command -v rg)" "$tmp/rg/rg"
tar -czf "$tmp/vscode-ripgrep-cache-$RG_PKG_VERSION/$RG_ASSET" -C "$tmp/rg" rg

rm -rf "$CS_DIR/node_modules"
(
  cd "$CS_DIR"
  # As root, npm would drop privileges for install scripts; node-pty's
  # postinstall runs `npx node-gyp`, so answer yes to npx. Prebuilt binaries
  # (argon2, kerberos) are fetched from GitHub and fail; they then build
  # from source against Node's headers.
  TMPDIR=$tmp npm_config_unsafe_perm=true npm_config_yes=true \
    npm ci --no-audit --no-fund --loglevel=error
)
"$CS_DIR/node_modules/.bin/code-server" --version >/dev/null || die "code-server does not start after install"
[ -x "$CS_DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] \
  || die "code-server installed without ripgrep (the \$TMPDIR cache trick did not apply; check RG_PKG_VERSION)"
echo "$stamp" > "$CS_DIR/node_modules/.setup-stamp"
log "code-server $("$CS_DIR/node_modules/.bin/code-server" --version | head -1) installed in $((SECONDS - start)) s"
