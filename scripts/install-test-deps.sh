#!/usr/bin/env bash
# Installs the real servers and tools the integration tests talk to (Debian/Ubuntu):
# Dovecot (IMAP, LMTP), Chromium (PDF), poppler-utils (pdftotext), rsync and restic; NSIS and
# Wine for the Windows installer's build and smoke test (windows/).
# Does nothing when they are all there already. Uses sudo when not root.
set -euo pipefail
pkgs=(dovecot-imapd dovecot-lmtpd chromium poppler-utils rsync restic nsis wine64 wine)
need=()
for pkg in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ "${#need[@]}" -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "install these with your package manager first: ${need[*]}" >&2
  exit 2
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing test dependencies: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The packaged Dovecot service is not needed: the tests start private instances.
$sudo systemctl disable --now dovecot >/dev/null 2>&1 || true
