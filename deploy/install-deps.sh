#!/usr/bin/env bash
# Installs what campaignd's build, tests, demo and benchmarks need and is not there yet.
# Sourced by the other scripts (so PATH changes stick); safe to run again; needs root for apt-get.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi
command -v swift >/dev/null 2>&1 || { echo "install-deps: no Swift toolchain (expected swift on PATH or /opt/swift)" >&2; exit 1; }

# Debian package → a file or command that shows it is installed.
declare -A wanted=(
  [libsqlite3-dev]=/usr/include/sqlite3.h
  [sqlite3]=sqlite3
  [pkg-config]=pkg-config
  [sip-tester]=sipp
  # DNS tests: a local authoritative server for trunk host names (SRV, A) on 127.0.0.1.
  [dnsmasq-base]=/usr/sbin/dnsmasq
  [kamailio]=kamailio
  [time]=/usr/bin/time
  [bc]=bc
  [python3]=python3
  [tshark]=tshark
  # HTTPS webhooks: FoundationNetworking's URLSession loads the system libcurl, which verifies
  # receivers against the system trust store; tests make their certificates with openssl and
  # use curl as an API client.
  [libcurl4]=/usr/share/doc/libcurl4/copyright
  [ca-certificates]=/etc/ssl/certs/ca-certificates.crt
  [openssl]=openssl
  [curl]=curl
  # bench/api.sh: the load generator and the reference server (nginx also fronts the API in deploy/nginx/).
  [wrk]=wrk
  [nginx-light]=/usr/sbin/nginx
)
missing=()
for package in "${!wanted[@]}"; do
  probe=${wanted[$package]}
  if [[ $probe == /* ]]; then [ -e "$probe" ] || missing+=("$package")
  else command -v "$probe" >/dev/null 2>&1 || missing+=("$package"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-deps: apt-get failed" >&2
    exit 1
  fi
  rm -f "$log"
fi

# PJSIP as a callee in the tests (deploy/pjsip/callee.py): the PyPI wheel of its Python bindings,
# for the python3 on PATH (Debian's own python3 wants --break-system-packages for a system-wide pip).
if ! python3 -c "import pjsua2" >/dev/null 2>&1; then
  echo "install-deps: installing pjsua2-python (pip)" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  log=$(mktemp)
  if ! python3 -m pip --version >/dev/null 2>&1; then
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-pip; } >"$log" 2>&1 \
      || { cat "$log" >&2; echo "install-deps: apt-get install python3-pip failed" >&2; exit 1; }
  fi
  if ! $SUDO python3 -m pip install --quiet pjsua2-python >"$log" 2>&1 \
     && ! $SUDO python3 -m pip install --quiet --break-system-packages pjsua2-python >>"$log" 2>&1; then
    cat "$log" >&2
    echo "install-deps: pip install pjsua2-python failed" >&2
    exit 1
  fi
  rm -f "$log"
fi
