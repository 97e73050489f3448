#!/usr/bin/env bash
# Installs Debian's Chromium for the end-to-end tests (Playwright drives it; `playwright install` is never used,
# since browser downloads are not reachable here). CJK fonts let screenshots show the Chinese corpus.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install-browser: no apt-get here; install Chromium at /usr/bin/chromium yourself" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
