//! The OpenAPI 3.1 document, generated from the handlers' and types' annotations (utoipa),
//! served at `/openapi.json` and committed as `api/openapi.json`; a test fails when the two
//! differ, so the committed document cannot drift from the code.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::problem::{BatchItemProblem, FieldProblem, Problem};
use crate::routes::{
    admin, documents, licences, ops, seals, share, status_lists, trust_lists, verify,
};

/// Adds the bearer scheme.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("zk_<id>_<secret>")
                    .description(Some(
                        "An API key made by an administrator (POST /v1/api-keys), or the \
                         bootstrap token for the first administrator.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zhengku (证库) licence library API",
        description = "Electronic licences (电子证照): issued once by the department that \
            grants them, reused by every other department with a stated use cause, kept in one \
            library, every access audited in a hash-chained log. Errors are RFC 9457 \
            application/problem+json with a stable `type` URN.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        licences::issue_one,
        licences::issue_batch,
        licences::reuse::reuse,
        licences::reuse::reuse_post,
        licences::get_licence,
        licences::lifecycle::suspend,
        licences::lifecycle::resume,
        licences::lifecycle::revoke,
        licences::lifecycle::history,
        licences::public_status,
        licences::licence_types,
        documents::licence_pdf,
        documents::licence_ofd,
        share::create_copy,
        share::share_copy,
        share::create_link,
        share::download,
        share::query,
        share::list,
        share::verify,
        share::qr,
        documents::licence_qr_png,
        documents::licence_qr_svg,
        documents::licence_qr,
        verify::verify_licence,
        verify::verify_seal,
        admin::create_department,
        admin::list_departments,
        admin::get_department,
        admin::create_api_key,
        admin::list_api_keys,
        admin::revoke_api_key,
        seals::create_seal,
        seals::get_seal,
        seals::get_esl,
        seals::get_picture,
        seals::lifecycle::authorise,
        seals::lifecycle::withdraw,
        seals::seal_status,
        seals::lifecycle::suspend_seal,
        seals::lifecycle::resume_seal,
        seals::lifecycle::revoke_seal,
        seals::stamp::stamp_hash,
        status_lists::status_list,
        status_lists::manifest,
        trust_lists::trust_list,
        trust_lists::signers,
        trust_lists::crls,
        ops::audit_log,
        ops::healthz,
        ops::readyz,
        ops::metrics,
        ops::openapi,
    ),
    // The problem answers are named through `routes::responses`, which does not register
    // the schemas they reference.
    components(schemas(Problem, FieldProblem, BatchItemProblem)),
    modifiers(&BearerAuth),
    tags(
        (name = "licences", description = "Issue, read, reuse and manage licences"),
        (name = "public", description = "No authentication: status checks, the type catalogue, seal pictures, verification of licences, QR codes, PDFs and seals"),
        (name = "admin", description = "Departments and API keys"),
        (name = "seals", description = "Electronic seals (GB/T 38540): make, manage, authorise, stamp"),
        (name = "audit", description = "The audit log"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
    )
)]
struct ApiDoc;

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // The crate version would make the committed file change on every release bump for no
    // reason a client cares about; the API has its own version in its paths.
    doc.info.version = "1".into();
    doc
}

/// The document as pretty JSON with a trailing newline, exactly as committed.
pub fn document_json() -> String {
    let mut s = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
