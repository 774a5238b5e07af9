//! `zhengku licence`: every shipped licence type's example request is issued, verified and
//! shown; bad requests, foreign keys and changed files are refused.

use crate::util::{Dir, repo_root};

/// Market regulation issues business licences and food permits.
const SAMR_LOCAL: (&str, &str) = ("杭州市西湖区市场监督管理局", "11330106MB0B12345L");
/// Health commissions issue senior citizen cards.
const HEALTH_LOCAL: (&str, &str) = ("杭州市西湖区卫生健康局", "11330106MB1C234566");

fn templates() -> String {
    repo_root().join("templates").display().to_string()
}

fn example(dir: &str) -> String {
    repo_root()
        .join("templates")
        .join(dir)
        .join("example-request.json")
        .display()
        .to_string()
}

fn sign(d: &Dir, request: &str, key: &str, out: &str) -> crate::util::Run {
    sign_as(d, SAMR_LOCAL, request, key, out)
}

fn sign_as(d: &Dir, issuer: (&str, &str), request: &str, key: &str, out: &str) -> crate::util::Run {
    let t = templates();
    d.zhengku(&[
        "licence",
        "sign",
        "--templates",
        &t,
        "--request",
        request,
        "--key",
        key,
        "--sequence",
        "7",
        "--out",
        out,
        "--issuer-name",
        issuer.0,
        "--issuer-code",
        issuer.1,
    ])
}

#[test]
fn every_shipped_type_issues_verifies_and_shows() {
    let d = Dir::new();
    for alg in ["sm2", "p256"] {
        d.keygen(alg);
        for (dir, name, holder, issuer) in [
            (
                "business-licence",
                "营业执照",
                "杭州证库示例科技有限公司",
                SAMR_LOCAL,
            ),
            (
                "food-business-permit",
                "食品经营许可证",
                "杭州证库示例餐饮管理有限公司",
                SAMR_LOCAL,
            ),
            (
                "senior-citizen-card",
                "老年人优待证",
                "王秀英",
                HEALTH_LOCAL,
            ),
        ] {
            let issued = sign_as(&d, issuer, &example(dir), "k.pem", "l.zkl").expect(0);
            assert!(issued.stdout.contains(name), "{}", issued.stdout);
            let v = d
                .zhengku(&["licence", "verify", "--pub", "p.pem", "l.zkl"])
                .expect(0);
            assert!(v.stdout.starts_with("valid: "), "{}", v.stdout);
            assert!(v.stdout.contains(issuer.0), "{}", v.stdout);
            let shown = d.zhengku(&["licence", "show", "l.zkl"]).expect(0);
            assert!(shown.stdout.contains(holder), "{}", shown.stdout);
            assert!(shown.stdout.contains("not verified"));
            let json = d.zhengku(&["licence", "show", "--json", "l.zkl"]).expect(0);
            let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
            assert_eq!(doc["type_name"], name);
            assert_eq!(doc["holder_name"], holder);
            assert_eq!(doc["verified"], false);
            let id = doc["identifier"].as_str().unwrap().to_owned();
            assert!(id.starts_with("1.2.156.3005.2."));
            assert!(
                id.contains(&format!(".{}.20240000007.001.", issuer.1)),
                "{id}"
            );
            // The identifier the CLI made passes the CLI's own checker.
            d.zhengku(&["id", "check", &id]).expect(0);
        }
    }
}

#[test]
fn changed_files_and_foreign_keys_fail_verification() {
    let d = Dir::new();
    d.keygen("sm2");
    d.keygen_to("sm2", "k2.pem", "p2.pem");
    sign(&d, &example("business-licence"), "k.pem", "l.zkl").expect(0);
    let other = d
        .zhengku(&["licence", "verify", "--pub", "p2.pem", "l.zkl"])
        .expect(1);
    assert!(
        other.stdout.contains("not by the given key"),
        "{}",
        other.stdout
    );

    let good = d.read("l.zkl");
    // A change in the holder's name (UTF-8 of 杭 → 杬) keeps the file well-formed: the
    // signature must catch it (exit 1).
    let pos = good.windows(3).position(|w| w == "杭".as_bytes()).unwrap();
    let mut changed = good.clone();
    changed[pos + 2] ^= 0x01;
    d.write("l.zkl", &changed);
    let r = d
        .zhengku(&["licence", "verify", "--pub", "p.pem", "l.zkl"])
        .expect(1);
    assert!(r.stdout.starts_with("INVALID"), "{}", r.stdout);
    // A change that breaks the encoding is an input error (exit 2) with a reason.
    let mut broken = good.clone();
    broken.push(0);
    d.write("l.zkl", &broken);
    let r = d
        .zhengku(&["licence", "verify", "--pub", "p.pem", "l.zkl"])
        .expect(2);
    assert!(r.stderr.contains("not a signed licence"), "{}", r.stderr);
}

#[test]
fn a_bad_request_lists_every_problem_and_writes_nothing() {
    let d = Dir::new();
    d.zhengku(&["keygen", "--alg", "sm2", "--out", "k.pem"])
        .expect(0);
    let text = std::fs::read_to_string(example("food-business-permit")).unwrap();
    let bad = text
        .replace("\"91330106MA2H0YKU5B\"", "\"91330106MA2H0YKU5C\"")
        .replace("餐饮服务经营者", "小作坊")
        .replace("2029-03-14", "2031-03-14");
    let req = d.write("bad.json", bad);
    let r = sign(&d, req.to_str().unwrap(), "k.pem", "l.zkl").expect(1);
    for (field, code) in [
        ("holder_code", "invalid_check_char"),
        ("face.business_form", "not_an_option"),
        ("valid_until", ""),
    ] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.contains(&format!("{field}:")) && l.contains(code)),
            "{field} {code} missing from:\n{}",
            r.stdout
        );
    }
    assert!(!d.path("l.zkl").exists());

    // Unknown type: input error naming the known ones.
    let req = d.write(
        "t.json",
        text.replace("11100000MB0143028R901", "11100000MB0143028R999"),
    );
    let r = sign(&d, req.to_str().unwrap(), "k.pem", "l.zkl").expect(2);
    assert!(r.stderr.contains("食品经营许可证"), "{}", r.stderr);
}
