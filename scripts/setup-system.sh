#!/usr/bin/env bash
# Install the Debian packages Rightsdesk needs, only those that are missing.
#
#   scripts/setup-system.sh              gettext, WeasyPrint's libraries, CJK fonts, clamd
#   scripts/setup-system.sh --browser    the same plus Debian's chromium (browser tests)
#   scripts/setup-system.sh --list       print the runtime packages, one a line, and stop
#                                        (scripts/system-audit.py checks them for known flaws)
#
# Environment:
#   RIGHTSDESK_BROWSER=1        same as --browser
#   RIGHTSDESK_SKIP_SYSTEM=1    do nothing (machines managed some other way)
#
# Idempotent and quick when nothing is missing: one dpkg-query call, no network, no apt.
# apt-get update runs at most once, and only when something has to be installed.
#
# clamav-daemon (with clamav-freshclam) starts no service where there is no init system (a
# container: invoke-rc.d finds no runlevel, or policy-rc.d denies it); on a machine booted with
# systemd, Debian enables freshclam, which fetches the signatures, and clamd, which starts once
# they are there. Neither is needed by the tests, which run a clamd of their own.
set -euo pipefail

browser=0
list=0
case "${RIGHTSDESK_BROWSER:-}" in 1|true|yes|on) browser=1 ;; esac
for arg in "$@"; do
    case "$arg" in
        --browser) browser=1 ;;
        --list) list=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "setup-system: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

packages=(
    gettext                 # msgfmt, for manage.py compilemessages
    libpango-1.0-0          # WeasyPrint
    libpangoft2-1.0-0       # WeasyPrint
    libharfbuzz-subset0     # WeasyPrint (font subsetting)
    fonts-noto-cjk          # Chinese text in pages and PDFs
    clamav-daemon           # clamd, the evidence virus scanner; tests/documents start a private one
)
if (( list )); then
    printf '%s\n' "${packages[@]}"
    exit 0
fi
if [[ "${RIGHTSDESK_SKIP_SYSTEM:-}" =~ ^(1|true|yes|on)$ ]]; then
    exit 0
fi
if (( browser )); then
    packages+=(chromium)    # /usr/bin/chromium, driven by Playwright in tests/e2e
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "setup-system: dpkg-query not found; this script supports Debian and Ubuntu only." >&2
    echo "setup-system: install by hand: ${packages[*]}" >&2
    exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "installed" ]] || missing+=("$pkg")
done

if (( ${#missing[@]} == 0 )); then
    exit 0
fi

echo "setup-system: installing missing Debian packages: ${missing[*]}"

sudo=()
if (( EUID != 0 )); then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "setup-system: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)

if ! "${sudo[@]}" apt-get update -q -o DPkg::Lock::Timeout=300; then
    echo "setup-system: apt-get update failed; trying the package lists already on disk" >&2
fi
if ! "${sudo[@]}" apt-get install "${apt_opts[@]}" "${missing[@]}"; then
    echo "setup-system: apt-get install failed for: ${missing[*]}" >&2
    exit 1
fi

for pkg in "${missing[@]}"; do
    if [[ "$pkg" == fonts-* ]]; then
        "${sudo[@]}" fc-cache -f >/dev/null 2>&1 || true
        break
    fi
done

echo "setup-system: done"
