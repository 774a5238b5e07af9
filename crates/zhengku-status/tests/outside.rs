//! Status-list tokens as zhengku writes them, judged by tools we did not write:
//!
//! - P-256 tokens: pycose and python-cwt verify the signature, python-cwt reads the claims,
//!   and Python reads the statuses out of `lst` itself (zlib, least significant bit first);
//! - SM2 tokens (private-use alg -65792, which no COSE library knows): cbor2 rebuilds the
//!   Sig_structure and the OpenSSL CLI verifies it (SM3, ID 1234567812345678);
//! - every token: pycddl validates it against `docs/cddl/status-list.cddl`.
//!
//! Each check also runs on a token changed after signing, which must fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use zhengku_crypto::{Algorithm, PrivateKey};
use zhengku_status::{StatusList, StatusListClaims, TypedDocument};
use zhengku_testkit::tools::{have, have_python_module, python_says_ok};

/// The Python side: argv = token file, public key PEM file, CDDL file, algorithm, then
/// `idx=status` pairs to read back. Prints "ok" or raises.
const JUDGE: &str = r#"
import sys, zlib, subprocess, tempfile, os
import cbor2, pycddl
token_path, pem_path, cddl_path, alg = sys.argv[1:5]
expect = {int(k): int(v) for k, v in (a.split("=") for a in sys.argv[5:])}
token = open(token_path, "rb").read()
pem = open(pem_path, "rb").read()
cddl = open(cddl_path).read()
def validate(rule, data):
    pycddl.Schema("root = " + rule + "\n" + cddl).validate_cbor(data)
validate("status-list-token", token)
tag = cbor2.loads(token)
assert tag.tag == 18, tag.tag
protected, unprotected, payload, signature = tag.value
validate("status-list-protected", protected)
validate("status-list-claims", payload)
header = cbor2.loads(protected)
assert header[16] == "application/statuslist+cwt", header
kid = header[4]
if alg == "p256":
    from pycose.messages import CoseMessage
    from pycose.keys import CoseKey
    msg = CoseMessage.decode(token)
    msg.key = CoseKey.from_pem_public_key(pem.decode())
    assert msg.verify_signature(), "pycose: signature does not verify"
    import cwt
    from cwt import COSEKey
    key = COSEKey.from_pem(pem, alg="ES256", kid=kid)
    claims = cwt.decode(token, key)
else:
    assert header[1] == -65792, header
    sig_structure = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    def der_int(v):
        b = v.to_bytes((v.bit_length() + 8) // 8, "big")
        return bytes([2, len(b)]) + b
    body = der_int(r) + der_int(s)
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "msg"), "wb").write(sig_structure)
        open(os.path.join(d, "sig"), "wb").write(bytes([0x30, len(body)]) + body)
        out = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem_path,
                              "-rawin", "-in", os.path.join(d, "msg"), "-sigfile",
                              os.path.join(d, "sig"), "-digest", "sm3", "-pkeyopt",
                              "distid:1234567812345678"], capture_output=True, text=True)
        assert out.returncode == 0 and "Success" in out.stdout, out.stdout + out.stderr
    claims = cbor2.loads(payload)
status_list = claims[65533]
bits, raw = status_list["bits"], zlib.decompress(status_list["lst"])
for idx, want in expect.items():
    got = (raw[idx * bits // 8] >> (idx * bits % 8)) & ((1 << bits) - 1)
    assert got == want, (idx, got, want)
assert claims[2].startswith("https://"), claims[2]
assert claims[4] > claims[6] and claims[65534] > 0
print("ok")
"#;

fn judge(
    dir: &Path,
    token: &[u8],
    pem: &str,
    alg: &str,
    expect: &[(u64, u8)],
) -> Result<(), String> {
    std::fs::write(dir.join("token.cwt"), token).unwrap();
    std::fs::write(dir.join("key.pem"), pem).unwrap();
    let cddl = zhengku_testkit::repo_root().join("docs/cddl/status-list.cddl");
    let (token_path, key_path) = (dir.join("token.cwt"), dir.join("key.pem"));
    let entries: Vec<std::ffi::OsString> = expect
        .iter()
        .map(|(i, s)| format!("{i}={s}").into())
        .collect();
    let mut args = vec![
        token_path.as_os_str(),
        key_path.as_os_str(),
        cddl.as_os_str(),
        std::ffi::OsStr::new(alg),
    ];
    args.extend(entries.iter().map(|e| e.as_os_str()));
    python_says_ok(JUDGE, &args)
}

#[test]
fn others_verify_our_tokens_and_read_the_statuses_in_index_order() {
    if !(have("openssl")
        && have_python_module("pycose", "pycose")
        && have_python_module("cwt", "cwt")
        && have_python_module("pycddl", "pycddl")
        && have_python_module("cbor2", "cbor2"))
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Entries chosen to catch a bit-order mistake: neighbours in one byte with different
    // values, and entries near the end.
    let expect: Vec<(u64, u8)> = vec![
        (0, 1),
        (1, 0),
        (2, 2),
        (3, 1),
        (4, 0),
        (5, 2),
        (1000, 1),
        (1001, 2),
        ((1 << 16) - 1, 2),
        ((1 << 16) - 2, 1),
    ];
    let mut list = StatusList::new(2, 1 << 16).unwrap();
    for (i, s) in &expect {
        list.set(*i, *s).unwrap();
    }
    // python-cwt checks exp against its own clock: made now, valid 72 hours.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = StatusListClaims {
        sub: "https://zhengku.example.gov.cn/sl/7".into(),
        iat: now,
        exp: Some(now + 72 * 3600),
        ttl: Some(3600),
        list,
    };
    for (alg, name) in [
        (Algorithm::EcdsaP256Sha256, "p256"),
        (Algorithm::Sm2Sm3, "sm2"),
    ] {
        let key = PrivateKey::generate(alg).unwrap();
        let pem = key.public_key().to_pem();
        let token = claims.sign(&key).unwrap();
        judge(dir.path(), &token, &pem, name, &expect).unwrap_or_else(|e| panic!("{name}: {e}"));
        // A status changed after signing: the signature refuses it.
        let mut other = claims.clone();
        other.list.set(2, 0).unwrap();
        let mut forged = token.clone();
        let (old, new) = (claims.to_cbor(), other.to_cbor());
        assert_eq!(old.len(), new.len());
        let at = forged
            .windows(old.len())
            .position(|w| w == old.as_slice())
            .unwrap();
        forged[at..at + new.len()].copy_from_slice(&new);
        let mut changed = expect.clone();
        changed[2] = (2, 0);
        let e = judge(dir.path(), &forged, &pem, name, &changed).unwrap_err();
        assert!(
            e.contains("does not verify") || e.contains("Failed to verify") || e.contains("Verif"),
            "{name}: {e}"
        );
        // Another signer's key: refused.
        let stranger = PrivateKey::generate(alg).unwrap().public_key().to_pem();
        assert!(
            judge(dir.path(), &token, &stranger, name, &expect).is_err(),
            "{name}"
        );
    }
}

/// The manifest, judged by pycddl (its three parts against their rules) and by cbor2 (the
/// entries read back), with the signature checked by OpenSSL for SM2 as above.
#[test]
fn the_manifest_matches_its_cddl() {
    if !(have_python_module("pycddl", "pycddl") && have_python_module("cbor2", "cbor2")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    let manifest = zhengku_status::Manifest {
        iat: 1_764_806_400,
        exp: 1_764_806_400 + 72 * 3600,
        lists: (1..=2)
            .map(|n| zhengku_status::ManifestEntry {
                n,
                kind: "licence".into(),
                uri: format!("https://zk.example.gov.cn/sl/{n}"),
                iat: 1_764_806_000,
                sha256: [n as u8; 32],
            })
            .collect(),
    };
    let signed = manifest.sign(&key).unwrap();
    std::fs::write(dir.path().join("manifest.cwt"), &signed).unwrap();
    let script = r#"
import sys, cbor2, pycddl
cddl = open(sys.argv[2]).read()
def validate(rule, data):
    pycddl.Schema("root = " + rule + "\n" + cddl).validate_cbor(data)
token = open(sys.argv[1], "rb").read()
validate("status-list-manifest-token", token)
protected, unprotected, payload, signature = cbor2.loads(token).value
validate("status-list-manifest-protected", protected)
validate("status-list-manifest", payload)
m = cbor2.loads(payload)
assert [e["n"] for e in m["lists"]] == [1, 2], m
assert m["lists"][1]["sha256"] == bytes([2] * 32)
bad = cbor2.dumps({**m, "lists": [{**m["lists"][0], "kind": "other"}]})
try:
    validate("status-list-manifest", bad)
    raise SystemExit("a bad kind passed the CDDL")
except pycddl.ValidationError:
    pass
print("ok")
"#;
    let cddl = zhengku_testkit::repo_root().join("docs/cddl/status-list.cddl");
    let path = dir.path().join("manifest.cwt");
    python_says_ok(script, &[path.as_os_str(), cddl.as_os_str()]).unwrap();
}

/// The reference a seal carries in its status extension, judged by pycddl against
/// `seal-status-extension` (the Status map), and read back by cbor2 as the draft's
/// `{"status_list": {"idx", "uri"}}`.
#[test]
fn the_seal_status_extension_matches_its_cddl() {
    if !(have_python_module("pycddl", "pycddl") && have_python_module("cbor2", "cbor2")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let value = zhengku_status::Reference::to_list("https://zk.example.gov.cn", 1, 837_263)
        .to_seal_extension();
    let path = dir.path().join("ext.cbor");
    std::fs::write(&path, &value).unwrap();
    let script = r#"
import sys, cbor2, pycddl
cddl = open(sys.argv[2]).read()
data = open(sys.argv[1], "rb").read()
pycddl.Schema("root = seal-status-extension\n" + cddl).validate_cbor(data)
s = cbor2.loads(data)
assert s == {"status_list": {"idx": 837263, "uri": "https://zk.example.gov.cn/sl/1"}}, s
print("ok")
"#;
    let cddl = zhengku_testkit::repo_root().join("docs/cddl/status-list.cddl");
    python_says_ok(script, &[path.as_os_str(), cddl.as_os_str()]).unwrap();
}
