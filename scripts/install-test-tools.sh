#!/usr/bin/env bash
# Installs what zhengku's tests call and its benches link, when missing: system tools (apt),
# Python tools (pip), and PostgreSQL started at 127.0.0.1:5432. Called by scripts/test.sh,
# and by .ci/run before clippy (which builds the benches, and one links OpenSSL).
set -euo pipefail
cd "$(dirname "$0")/.."

# Tools the tests run (tests check against implementations we did not write).
#   openssl: SM2/P-256 signature and key-file interop
#   softhsm2: the PKCS#11 token the zhengku-hsm tests and bench run against
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
#   curl: the service's end-to-end tests drive it as README's users do
command -v curl >/dev/null 2>&1 || missing+=(curl)
#   java + BouncyCastle: a second SM2 implementation for certificates and CRLs
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -f /usr/share/java/bcprov.jar ] || missing+=(libbcprov-java)
#   zbarimg: a QR decoder we did not write, reads zhengku-qr's PNGs back
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
#   pngcheck: a PNG checker we did not write (chunk CRCs, order, names) for the PNG copies
command -v pngcheck >/dev/null 2>&1 || missing+=(pngcheck)
#   a CJK font: licence PDFs embed a subset of Noto Sans/Serif CJK SC
compgen -G "/usr/share/fonts/opentype/noto/Noto*CJK*" >/dev/null || missing+=(fonts-noto-cjk)
#   a CJK TrueType font: easyofd draws OFD text with reportlab, which reads TrueType only; the
#   OFD tests register WenQuanYi Zen Hei under the name easyofd asks for (宋体)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing+=(fonts-wqy-zenhei)
#   qpdf --check, and poppler's pdftotext / pdftoppm / pdfdetach: judges of our PDFs
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
#   headless Chromium: loads the verification pages as a phone's browser would
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
#   OpenSSL's headers and pkg-config: benches/verify_side_by_side.rs verifies with OpenSSL
#   in the same process (the `openssl` crate) next to zhengku
[ -f /usr/include/openssl/evp.h ] || missing+=(libssl-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
if ((${#missing[@]})); then
    echo "scripts/test.sh: installing ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python tools the tests run:
#   openapi-spec-validator: checks api/openapi.json is valid OpenAPI 3.1
#   schemathesis: property-based fuzzing of the HTTP API from that document
python_missing=()
python3 -c "import openapi_spec_validator" >/dev/null 2>&1 || python_missing+=(openapi-spec-validator)
python3 -c "import schemathesis" >/dev/null 2>&1 || python_missing+=(schemathesis)
#   segno: a second QR encoder, to tell a zbar misread from a bad symbol
python3 -c "import segno" >/dev/null 2>&1 || python_missing+=(segno)
#   pyHanko (library and CLI): validates the PAdES signatures of P-256-signed licence PDFs
python3 -c "import pyhanko.sign" >/dev/null 2>&1 || python_missing+=(pyhanko)
command -v pyhanko >/dev/null 2>&1 || python_missing+=(pyhanko-cli)
#   cwt (python-cwt), pycose, pycddl, cbor2: judges of the status lists and trust lists
#   (COSE signatures, claims, the CDDL in docs/cddl)
python3 -c "import cwt" >/dev/null 2>&1 || python_missing+=(cwt)
python3 -c "import pycose" >/dev/null 2>&1 || python_missing+=(pycose)
python3 -c "import pycddl" >/dev/null 2>&1 || python_missing+=(pycddl)
python3 -c "import cbor2" >/dev/null 2>&1 || python_missing+=(cbor2)
#   easyofd, ofdkit, fontTools: judges of zhengku's OFD licence files (easyofd renders the page,
#   ofdkit reads the metadata and text positions, fontTools the embedded font's cmap)
python3 -c "import easyofd" >/dev/null 2>&1 || python_missing+=(easyofd)
python3 -c "import ofdkit" >/dev/null 2>&1 || python_missing+=(ofdkit)
python3 -c "import fontTools" >/dev/null 2>&1 || python_missing+=(fonttools)
#   Pillow: reads a PNG copy's text chunks (iTXt) and pixels as any PNG reader would
python3 -c "import PIL" >/dev/null 2>&1 || python_missing+=(pillow)
if ((${#python_missing[@]})); then
    echo "scripts/test.sh: installing ${python_missing[*]} (pip)" >&2
    python3 -m pip install -q --disable-pip-version-check "${python_missing[@]}"
fi

# PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth, database test): the store's
# repository tests run against it as well as SQLite, and refuse to skip it when CI=true.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        echo "scripts/test.sh: installing postgresql" >&2
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq postgresql
    fi
    for version in /etc/postgresql/*; do
        "${sudo[@]}" pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
    done
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p 5432 && break
        sleep 1
    done
fi
