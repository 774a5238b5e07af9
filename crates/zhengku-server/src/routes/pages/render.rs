//! The verification pages' HTML (电子证照核验): the result page (the verdict banner, the
//! licence's facts, the seal picture, the checks) and the upload / paste form, with the one
//! stylesheet and the Content-Security-Policy that allows it and nothing else. Everything
//! shown from the input or the library is escaped here ([`esc`]).

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::{OffsetDateTime, UtcOffset};
use zhengku_verify::{CheckId, InputKind, LicenceReport, Outcome, Verdict};

/// The stylesheet, inline; the CSP names it by hash.
const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font-family:-apple-system,\"PingFang SC\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;\
background:#f3f4f6;color:#1f2328;font-size:16px;line-height:1.5}\
main{max-width:640px;margin:0 auto;padding:0 0 32px}\
header.site{padding:12px 16px;font-size:15px;color:#57606a}\
.verdict{color:#fff;padding:28px 16px;text-align:center}\
.verdict .word{font-size:44px;font-weight:700;letter-spacing:.12em;line-height:1.2}\
.verdict .why{margin-top:8px;font-size:15px;opacity:.95;word-break:break-all}\
.v-valid{background:#1a7f37}.v-suspended,.v-expired{background:#bc4c00}\
.v-revoked{background:#cf222e}.v-invalid{background:#57606a}.v-unverifiable{background:#6e40c9}\
.card{background:#fff;margin:12px;border-radius:10px;padding:4px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}\
dl{margin:0}.row{display:flex;gap:12px;padding:10px 0;border-bottom:1px solid #eaeef2}\
.row:last-child{border-bottom:0}dt{flex:0 0 5.5em;color:#57606a}dd{margin:0;flex:1;word-break:break-all}\
.seal{text-align:center;padding:12px}.seal img{width:132px;height:132px}\
details{padding:12px 0}summary{cursor:pointer;font-weight:600}\
ul.checks{list-style:none;margin:8px 0 0;padding:0}ul.checks li{padding:8px 0;border-top:1px solid #eaeef2}\
.mark{display:inline-block;width:1.4em;font-weight:700}.passed .mark{color:#1a7f37}\
.failed .mark{color:#cf222e}.skipped .mark{color:#8c959f}.unverifiable .mark{color:#6e40c9}.detail{color:#57606a;font-size:14px;word-break:break-all}\
form{padding:12px 0}label{display:block;font-weight:600;margin:12px 0 6px}\
textarea{width:100%;min-height:7em;font:inherit;font-size:14px;padding:8px}\
input[type=file]{width:100%}button{margin-top:12px;width:100%;padding:12px;font-size:17px;\
border:0;border-radius:8px;background:#0969da;color:#fff}\
h1{font-size:22px;margin:12px 0}.error{color:#cf222e;font-weight:600}.foot{text-align:center;font-size:14px;margin-top:16px}\
.foot a{color:#0969da}";

/// `Content-Security-Policy`: nothing but this origin's images and forms, and the stylesheet
/// above; no script, no frames.
static CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = STANDARD.encode(zhengku_crypto::sha256(CSS.as_bytes()));
    format!(
        "default-src 'none'; img-src 'self' data:; style-src 'sha256-{hash}'; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
});

/// China Standard Time, for dates and times on the page.
const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// Escapes text for HTML element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn html_response(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{}</title><style>{CSS}</style></head><body><main>\
         <header class=\"site\">证库 · 电子证照核验</header>{body}</main></body></html>\n",
        esc(title)
    );
    let mut response = (status, page).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&CSP) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The URL carries the payload (masked holder, validity): never send it elsewhere.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn date_time_cst(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.to_offset(CST))
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|_| unix.to_string())
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Valid => "v-valid",
        Verdict::Suspended => "v-suspended",
        Verdict::Revoked => "v-revoked",
        Verdict::Expired => "v-expired",
        Verdict::Invalid => "v-invalid",
        Verdict::Unverifiable => "v-unverifiable",
    }
}

/// Why a check could not be made, for people: what the page says under 无法核验.
fn unverifiable_zh(id: CheckId, detail: &str) -> &'static str {
    match id {
        id if id.is_chain() && detail.contains("no trust anchors") => {
            "本核验点未配置信任根证书，无法确认签发者的身份"
        }
        id if (id.is_chain() || id == CheckId::SesSignature) && detail.contains("only claimed") => {
            "签名证书已过期，签名时间仅为签名者自称，证库无记录可以证明"
        }
        id if id.is_chain() => "无法取得有效的证书吊销列表，不能确认签名证书未被吊销",
        CheckId::IssuerKey => {
            "本库没有该发证机关的签名证书，无法确认签名者（其他地区签发的证照请到签发地核验）"
        }
        CheckId::LibraryRecord => "本库未签发此证照，无法在此核验（请到签发地核验）",
        CheckId::Status if detail.contains("stale") => "证照状态信息已过时，无法确认当前状态",
        CheckId::Status => "无法取得证照的当前状态",
        CheckId::SealStatus => "无法确认所用印章的当前状态（本库未制作该印章，或状态未知）",
        CheckId::SesSignature => "文件未附电子签章或签章无法核验，不能确认印章",
        _ => "有一项必要的核验无法完成",
    }
}

fn verdict_why(report: &LicenceReport) -> String {
    // A bare seal or seal signature is not a licence: say what was verified.
    let what = match report.kind {
        InputKind::Seal => "电子印章",
        InputKind::Signature => "电子签章",
        _ => "电子证照",
    };
    let by = if report.kind.is_licence() {
        "发证机关"
    } else {
        "证库"
    };
    match report.verdict {
        Verdict::Valid if report.kind == InputKind::Signature => {
            "该电子签章经核验真实有效（未附原文件，仅核验签章本身）".to_owned()
        }
        Verdict::Valid => format!("该{what}经核验真实有效"),
        Verdict::Suspended => format!("{what}真实，但已被{by}暂停使用"),
        Verdict::Revoked => format!("{what}真实，但已被{by}撤销，不再有效"),
        Verdict::Expired => format!("{what}真实，但已超过有效期"),
        Verdict::Invalid => match report.report.first_failure() {
            Some(c) => format!("未通过“{}”：{}", c.label_zh, c.outcome.detail()),
            None => format!("无法确认该{what}的真实性"),
        },
        Verdict::Unverifiable => match report.report.first_unverifiable() {
            Some(c) => format!(
                "未发现伪造，但无法确认“{}”：{}",
                c.label_zh,
                unverifiable_zh(c.id, c.outcome.detail())
            ),
            None => format!("无法确认该{what}的真实性"),
        },
    }
}

fn row(out: &mut String, label: &str, value: &str) {
    out.push_str(&format!(
        "<div class=\"row\"><dt>{}</dt><dd>{}</dd></div>",
        esc(label),
        esc(value)
    ));
}

/// The result page's body.
pub(super) fn result_body(report: &LicenceReport, seal_esid: Option<&str>) -> String {
    let mut b = String::new();
    b.push_str(&format!(
        "<section class=\"verdict {}\" id=\"verdict\" data-verdict=\"{}\">\
         <div class=\"word\">{}</div><div class=\"why\">{}</div></section>",
        verdict_class(report.verdict),
        report.verdict.as_str(),
        report.verdict.label_zh(),
        esc(&verdict_why(report))
    ));
    if let Some(f) = &report.facts {
        b.push_str("<section class=\"card\"><dl>");
        row(
            &mut b,
            "证照名称",
            f.type_name.as_deref().unwrap_or(&f.type_code),
        );
        row(&mut b, "证照标识", &f.identifier);
        match &f.issuer_name {
            Some(n) => b.push_str(&format!(
                "<div class=\"row\"><dt>发证机关</dt><dd>{}<div class=\"detail\">{}</div></dd></div>",
                esc(n),
                esc(&f.issuer_code)
            )),
            None => row(&mut b, "发证机关", &f.issuer_code),
        }
        row(&mut b, "持证主体", &f.holder_name);
        row(&mut b, "主体代码", &f.holder_code);
        let until = f
            .valid_until
            .map_or_else(|| "长期".to_owned(), |d| d.to_string());
        row(&mut b, "有效期", &format!("{} 至 {until}", f.valid_from));
        // The licence's own issue date (发证日期), not the time it was signed.
        row(
            &mut b,
            "发证日期",
            &f.issue_date
                .map_or_else(|| "（未载明）".to_owned(), |d| d.to_string()),
        );
        match &f.status {
            Some(s) => {
                let mut text = format!(
                    "{}（证库记录，截至 {}）",
                    s.status.label_zh(),
                    date_time_cst(s.as_of)
                );
                if let Some(r) = &s.reason {
                    text.push_str(&format!("；原因：{r}"));
                }
                row(&mut b, "当前状态", &text);
            }
            None => row(&mut b, "当前状态", "本库无此证照的状态记录，未核验状态"),
        }
        b.push_str("</dl>");
        if let Some(esid) = seal_esid {
            b.push_str(&format!(
                "<div class=\"seal\"><img src=\"/v1/seals/{}/picture\" alt=\"发证机关印章\"></div>",
                esc(&percent_path(esid))
            ));
        }
        b.push_str("</section>");
    }
    b.push_str("<section class=\"card\"><details><summary>校验明细</summary><ul class=\"checks\">");
    for c in &report.report.checks {
        let (class, mark) = match &c.outcome {
            Outcome::Passed(_) => ("passed", "✓"),
            Outcome::Failed(_) => ("failed", "✗"),
            Outcome::Unverifiable(_) => ("unverifiable", "?"),
            Outcome::Skipped(_) => ("skipped", "–"),
        };
        b.push_str(&format!(
            "<li class=\"{class}\" data-check=\"{}\"><span class=\"mark\">{mark}</span>{}\
             <div class=\"detail\">{}</div></li>",
            esc(c.id.as_str()),
            esc(c.label_zh),
            esc(c.outcome.detail())
        ));
    }
    b.push_str(&format!(
        "</ul><p class=\"detail\">核验对象：{}</p></details></section>",
        esc(&report.report.subject)
    ));
    b.push_str("<p class=\"foot\"><a href=\"/verify\">核验其他证照</a></p>");
    b
}

/// Keeps an esID safe inside a URL path (they are digits; anything else is escaped).
fn percent_path(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(super) fn form_body(error: Option<&str>) -> String {
    let mut b = String::from("<section class=\"card\"><h1>核验电子证照</h1>");
    if let Some(e) = error {
        b.push_str(&format!("<p class=\"error\">{}</p>", esc(e)));
    }
    b.push_str(
        "<form method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\">\
         <label for=\"pdf\">上传电子证照文件（PDF、OFD 或 PNG 加注件）</label>\
         <input type=\"file\" id=\"pdf\" name=\"pdf\" accept=\"application/pdf,.pdf,application/ofd,.ofd,image/png,.png,.zkl,.esl\">\
         <label for=\"payload\">或粘贴二维码内容（以 ZK1: 开头，或核验链接）</label>\
         <textarea id=\"payload\" name=\"payload\" autocomplete=\"off\" spellcheck=\"false\"></textarea>\
         <button type=\"submit\">核验</button></form></section>\
         <p class=\"foot\">用手机相机扫描证照上的二维码，也可直接打开核验结果。</p>",
    );
    b
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }

    #[test]
    fn csp_allows_no_script_and_hashes_the_style() {
        assert!(!CSP.contains("script-src"));
        assert!(CSP.starts_with("default-src 'none'"));
        assert!(CSP.contains("style-src 'sha256-"));
    }

    fn report(
        kind: InputKind,
        verdict: Verdict,
        checks: Vec<zhengku_verify::Check>,
    ) -> LicenceReport {
        LicenceReport {
            report: zhengku_verify::Report {
                subject: "test".into(),
                facts: Vec::new(),
                checks,
            },
            verdict,
            facts: None,
            kind,
        }
    }

    /// A bare seal signature is not a licence: its page never says the licence is
    /// genuine, and says that only the signature was checked.
    #[test]
    fn a_bare_seal_signature_is_not_called_a_licence() {
        let r = report(InputKind::Signature, Verdict::Valid, Vec::new());
        let why = verdict_why(&r);
        assert!(!why.contains("电子证照"), "{why}");
        assert!(
            why.contains("电子签章") && why.contains("仅核验签章本身"),
            "{why}"
        );
        let r = report(InputKind::Seal, Verdict::Revoked, Vec::new());
        assert_eq!(verdict_why(&r), "电子印章真实，但已被证库撤销，不再有效");
        let r = report(InputKind::Pdf, Verdict::Valid, Vec::new());
        assert_eq!(verdict_why(&r), "该电子证照经核验真实有效");
    }

    /// 无法核验 says, in Chinese, what could not be established.
    #[test]
    fn the_unverifiable_page_says_why() {
        let check = |id: &'static str, detail: &str| zhengku_verify::Check {
            id: id.parse().unwrap(),
            label: "x",
            label_zh: "某项核验",
            outcome: Outcome::Unverifiable(detail.into()),
        };
        for (id, detail, want) in [
            (
                "issuer_chain",
                "no trust anchors are configured",
                "未配置信任根证书",
            ),
            (
                "library_record",
                "this library holds no licence",
                "本库未签发此证照",
            ),
            ("status", "the status is as of … so it is stale", "已过时"),
            ("seal_status", "status unknown", "印章的当前状态"),
        ] {
            let r = report(
                InputKind::Qr,
                Verdict::Unverifiable,
                vec![check(id, detail)],
            );
            let why = verdict_why(&r);
            assert!(why.starts_with("未发现伪造，但无法确认“某项核验”"), "{why}");
            assert!(why.contains(want), "{id}: {why}");
        }
        assert_eq!(verdict_class(Verdict::Unverifiable), "v-unverifiable");
    }
}
