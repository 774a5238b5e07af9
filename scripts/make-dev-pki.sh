#!/usr/bin/env bash
# Regenerates keys-dev/: the development SM2 and P-256 CAs and sample end-entity keys and
# certificates. FOR DEVELOPMENT ONLY — every private key made here is committed to git.
#
#   bash scripts/make-dev-pki.sh
#
# Keys go to the development file store keys-dev/keys (PKCS#8 PEM, one file per label),
# certificates and CRLs to keys-dev/pki/<alg>/ (see `zhengku pki --help`), and copies of the
# sample certificates to keys-dev/*.crt.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p zhengku
z=target/debug/zhengku

rm -rf keys-dev/keys keys-dev/pki keys-dev/*.crt
"$z" pki --dir keys-dev/pki init --crl-base-url http://127.0.0.1:8080/pki

for alg in sm2 p256; do
    # The issuing department of the sample licences (templates/*/example-request.json).
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind department \
        --name 杭州市西湖区市场监督管理局 --uscc 11330106MB0B12345L \
        --label "dept-xihu-samr-$alg" --days 3650 --out "keys-dev/dept-xihu-samr-$alg.crt"
    # Issuer of the sample senior citizen card.
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind department \
        --name 杭州市西湖区卫生健康局 --uscc 11330106MB1C234566 \
        --label "dept-xihu-health-$alg" --days 3650 --out "keys-dev/dept-xihu-health-$alg.crt"
    # A seal-making authority (制章者) and the department's licence seal (证照专用章).
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind seal-maker \
        --name 浙江省电子印章制作中心 --uscc 12330000MB12345676 \
        --label "seal-maker-$alg" --days 3650 --out "keys-dev/seal-maker-$alg.crt"
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind seal \
        --name 杭州市西湖区市场监督管理局证照专用章 --uscc 11330106MB0B12345L \
        --label "seal-xihu-samr-$alg" --days 3650 --out "keys-dev/seal-xihu-samr-$alg.crt"
    # The health department's seal: a seal certificate of its own (a department's
    # licence-signing certificate cannot stamp).
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind seal \
        --name 杭州市西湖区卫生健康局证照专用章 --uscc 11330106MB1C234566 \
        --label "seal-xihu-health-$alg" --days 3650 --out "keys-dev/seal-xihu-health-$alg.crt"
    # The library's operator as a department (the development service registers it, and
    # makes its copy seal from seal-library-*).
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind department \
        --name 浙江省大数据发展管理局 --uscc 11330000MB0D987650 \
        --label "dept-library-$alg" --days 3650 --out "keys-dev/dept-library-$alg.crt"
    # The library's own seal for annotated copies (电子证照加注专用章), for its operator.
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind seal \
        --name 浙江省大数据发展管理局电子证照加注专用章 --uscc 11330000MB0D987650 \
        --label "seal-library-$alg" --days 3650 --out "keys-dev/seal-library-$alg.crt"
    # The library's status-list signer (状态列表签发者), for its operator.
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind status-signer \
        --name 浙江省大数据发展管理局 --uscc 11330000MB0D987650 \
        --label "status-signer-$alg" --days 3650 --out "keys-dev/status-signer-$alg.crt"
    # The region's trust-list signer (信任列表签发者): signs the trust list and the signer
    # list; offline verifiers pin this certificate (`zhengku sync --pin`).
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind list-signer \
        --name 浙江省大数据发展管理局 --uscc 11330000MB0D987650 \
        --label "trust-list-signer-$alg" --days 3650 --out "keys-dev/trust-list-signer-$alg.crt"
    # The development server.
    "$z" pki --dir keys-dev/pki issue --alg "$alg" --kind server \
        --name localhost --dns localhost --ip 127.0.0.1 \
        --label "server-$alg" --days 3650 --out "keys-dev/server-$alg.crt"
done
# Development CRLs are current for ten years, like the certificates: verification requires
# a current CRL for every certificate below an anchor, and a development checkout must not
# stop verifying a month after the PKI was made. Production CAs publish short-lived CRLs
# (the default, 30 days) and re-publish them well before nextUpdate.
"$z" pki --dir keys-dev/pki crl --days 3650
echo "keys-dev/ regenerated"
