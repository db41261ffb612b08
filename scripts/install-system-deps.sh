#!/usr/bin/env bash
# Debian packages Imaging Hub's tests, benchmarks and demo use as real peers.
# Idempotent: skips apt entirely when every tool is already present.
set -euo pipefail

packages=(
  chromium            # browser tests (Playwright drives Debian's Chromium; no browser download)
  dcmtk               # echoscu/storescu/findscu/movescu/getscu/storescp: DIMSE peers
  dicom3tools         # dciodvfy: validates de-identified output
  fonts-dejavu-core   # the fonts WeasyPrint's PDF reports name
  libpango-1.0-0      # WeasyPrint (assurance PDF reports) lays text out with Pango
  libpangoft2-1.0-0
  orthanc             # the hospital PACS in tests and the ingest/query peer in benchmarks
  orthanc-dicomweb    # Orthanc's DICOMweb plugin (the spoke's DICOMweb pull path)
  orthanc-postgresql  # Orthanc's PostgreSQL index: the peer of bench/ingest_bench.py --index postgresql
  tesseract-ocr       # burned-in text detection (and its English model, read by tesserocr in-process)
  libtesseract-dev    # tesserocr builds against these where no wheel fits the platform
  libleptonica-dev
)
tools=(chromium storescu dciodvfy Orthanc tesseract)
[ -f /usr/include/tesseract/baseapi.h ] || missing=1

missing=0
for tool in "${tools[@]}"; do command -v "$tool" >/dev/null 2>&1 || missing=1; done
[ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || missing=1
[ -f /usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so ] || missing=1
ldconfig -p 2>/dev/null | grep libpangoft2-1.0 >/dev/null || missing=1  # no -q: an early exit would SIGPIPE ldconfig
command -v npm >/dev/null 2>&1 || { packages+=(nodejs npm); missing=1; }
if ! command -v psql >/dev/null 2>&1 && [ "${IMAGING_HUB_SKIP_POSTGRES:-}" != "1" ]; then
  packages+=(postgresql)
  missing=1
fi

if [ "$missing" = 1 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi
