//! The verification web pages (电子证照核验), for people: the page a licence's QR code opens
//! (`GET /V/<payload>`; `/v/` too), and a page to upload a PDF or paste a payload
//! (`GET /verify`, answered by `POST /verify`).
//!
//! Server-rendered HTML in Chinese, sized for a phone, with no JavaScript at all (the
//! Content-Security-Policy allows no script, and the one stylesheet by its hash): a large
//! verdict banner (有效 green; 已暂停 and 已过期 orange; 已撤销 red; 无效 grey, with the
//! reason; 无法核验 purple, saying in Chinese what could not be established), the licence's name, identifier, issuer, masked holder, validity and issue date,
//! the issuing department's seal picture, and the checks under 校验明细 (a `<details>`
//! element, which opens without script). Everything shown from the input or the library is
//! HTML-escaped.
//!
//! Status codes: a verification that ran is `200` whatever its verdict, garbage in the URL
//! included (the page says 无效 and why): the page is the answer, not an error. Only a
//! form sent with nothing in it is `400` (the form again, with the message).

mod render;

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;
use zhengku_verify::{LicenceReport, Verdict};

use self::render::{form_body, html_response, result_body};
use crate::problem::ApiError;
use crate::state::AppState;

/// The esID of the seal to show: the one the input names (a PDF's SES_Signature), else
/// the issuing department's active seal. None for an invalid result: a seal picture
/// beside 无效 would lend it an authority it does not have.
async fn seal_to_show(state: &AppState, report: &LicenceReport) -> Option<String> {
    if report.verdict == Verdict::Invalid {
        return None;
    }
    if let Some((_, v)) = report
        .report
        .facts
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("esid") || k.eq_ignore_ascii_case("seal_esid"))
    {
        return Some(v.clone());
    }
    let issuer = &report.facts.as_ref()?.issuer_code;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    state
        .store()
        .active_seal_for_department(issuer, now)
        .await
        .ok()
        .flatten()
        .map(|s| s.seal.esid)
}

async fn result_page(state: &AppState, input: Vec<u8>) -> Result<Response, ApiError> {
    let report = crate::verification::verify_bytes(state, input).await?;
    let seal = seal_to_show(state, &report).await;
    let title = format!("{} · 电子证照核验", report.verdict.label_zh());
    Ok(html_response(
        StatusCode::OK,
        &title,
        &result_body(&report, seal.as_deref()),
    ))
}

/// The page a licence's QR code opens: `/V/<payload>` (the rest of the path, percent-escaped
/// as crate `zhengku-qr` writes it).
pub async fn qr_page(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    // The whole path goes to the engine as a URL: it takes what follows `/V/` (in either
    // case) and undoes the escapes, so `%2F` inside the payload stays part of it.
    let text = format!("{}{}", state.documents().base_url(), uri.path());
    result_page(&state, text.into_bytes()).await
}

/// The upload / paste page.
pub async fn form_page() -> Response {
    html_response(StatusCode::OK, "核验电子证照", &form_body(None))
}

/// The paste form sent as `application/x-www-form-urlencoded`.
#[derive(Debug, Deserialize)]
pub struct PasteForm {
    /// The QR code's text.
    #[serde(default)]
    payload: String,
}

fn form_error(message: &str) -> Response {
    html_response(
        StatusCode::BAD_REQUEST,
        "核验电子证照",
        &form_body(Some(message)),
    )
}

/// The form's answer: the file if one was chosen, else the pasted text; the result page.
pub async fn submit(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_ascii_lowercase())
        .unwrap_or_default();
    let (_upload, req) = crate::routes::verify::admit_upload(&state, req).await?;
    let input = if mime.starts_with("multipart/form-data") {
        let Ok(mut multipart) = Multipart::from_request(req, &state).await else {
            return Ok(form_error("表单无法读取，请重试"));
        };
        let mut file = Vec::new();
        let mut text = String::new();
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_owned();
                    let Ok(data) = field.bytes().await else {
                        return Ok(form_error("文件过大或上传中断，请重试"));
                    };
                    match name.as_str() {
                        "pdf" | "file" => file = data.to_vec(),
                        "payload" => text = String::from_utf8_lossy(&data).into_owned(),
                        _ => {}
                    }
                }
                Ok(None) => break,
                Err(_) => return Ok(form_error("文件过大或上传中断，请重试")),
            }
        }
        if file.is_empty() {
            text.trim().as_bytes().to_vec()
        } else {
            file
        }
    } else if mime.starts_with("application/x-www-form-urlencoded") {
        match axum::Form::<PasteForm>::from_request(req, &state).await {
            Ok(axum::Form(f)) => f.payload.trim().as_bytes().to_vec(),
            Err(_) => return Ok(form_error("表单无法读取，请重试")),
        }
    } else {
        return Ok(form_error("请上传文件或粘贴二维码内容"));
    };
    if input.is_empty() {
        return Ok(form_error("请选择 PDF 文件，或粘贴二维码内容"));
    }
    result_page(&state, input).await
}
