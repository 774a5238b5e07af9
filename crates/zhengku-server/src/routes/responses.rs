//! The problem answers routes document, each named once: every `#[utoipa::path]` lists these
//! by name (`responses((status = 200, …), NoSuchSeal, InvalidFields)`) instead of spelling
//! out a `application/problem+json` response. A single response is a struct deriving
//! [`IntoResponses`] with a [`Problem`] body; a set (`problem_set!`) is the union of
//! several, for answers routes share.
//!
//! The problem types' schemas are registered in [`crate::openapi`]: responses given this way
//! do not register the schemas they reference.

use std::collections::BTreeMap;

use utoipa::IntoResponses;
use utoipa::openapi::RefOr;
use utoipa::openapi::response::Response;

use crate::problem::Problem;

/// A problem response: status, description, and the [`Problem`] body.
macro_rules! problem_response {
    ($(#[$doc:meta])* $name:ident = ($status:tt, $description:tt)) => {
        $(#[$doc])*
        #[derive(IntoResponses)]
        #[response(
            status = $status,
            description = $description,
            content_type = "application/problem+json"
        )]
        pub struct $name(pub Problem);
    };
}

/// A set of problem responses: all of its parts.
macro_rules! problem_set {
    ($(#[$doc:meta])* $name:ident = [$($part:ty),+ $(,)?]) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let mut all = BTreeMap::new();
                $(all.extend(<$part as IntoResponses>::responses());)+
                all
            }
        }
    };
}

// Requests the service cannot read.

problem_response!(
    /// 400: the body is not the JSON expected, or a header is malformed.
    MalformedRequest = (400, "Malformed JSON or header")
);
problem_response!(
    /// 400: the body is not the JSON expected.
    MalformedJson = (400, "Malformed JSON")
);
problem_response!(
    /// 400: a path segment is not a licence identifier.
    NotAnIdentifier = (400, "Not an identifier")
);
problem_response!(
    /// 413: the body is over the limit.
    BodyTooLarge = (413, "Body over the limit")
);
problem_response!(
    /// 415: a media type the route does not take.
    OtherMediaType = (415, "Another media type")
);
problem_response!(
    /// 422: values that are not valid, every bad field listed.
    InvalidFields = (422, "Invalid values; every bad field listed")
);

// Copies and their links.

problem_response!(
    /// 404: no such download link (or a malformed token).
    NoSuchLink = (404, "No such download link")
);
problem_response!(
    /// 410: the download link was used or has expired.
    LinkGone = (410, "The link was used or has expired")
);
problem_response!(
    /// 503: no copy sealer or its seal; or no layout.
    NoCopySeal = (503, "No copy sealer, or it has no active seal")
);
problem_response!(
    /// 409: the licence is not in force, or has no OFD (P-256 issuer).
    NotCopyable = (409, "The licence is not in force, or no OFD is made for it")
);

// Who may.

problem_response!(
    /// 401: no API key, or a bad one.
    NoApiKey = (401, "No or bad API key")
);
problem_response!(
    /// 403: only administrators may.
    NotAdmin = (403, "Not an administrator")
);
problem_response!(
    /// 403: the key may not.
    NotPermitted = (403, "Not permitted")
);
problem_response!(
    /// 403: another department's.
    OtherDepartment = (403, "Another department")
);
problem_response!(
    /// 403: the audit log needs the audit scope.
    LacksAuditScope = (403, "Key lacks the audit scope")
);

// Status lists.

problem_response!(
    /// 404: no status list with that number.
    NoSuchStatusList = (404, "No such status list")
);
problem_response!(
    /// 503: this service has no status-list signer configured.
    NoStatusSigner = (503, "No status-list signer configured")
);

// Trust lists.

problem_response!(
    /// 404: no trust list or signer list has been made for this service to publish.
    NoTrustList = (404, "No trust list published")
);

// Licences.

problem_response!(
    /// 404: no licence with that identifier.
    NoSuchLicence = (404, "No such licence")
);
problem_response!(
    /// 403: the key may not issue the type asked for.
    MayNotIssueType = (403, "Key may not issue this type")
);
problem_response!(
    /// 403: the key may not issue a type the batch asks for.
    MayNotIssueTypes = (403, "Key may not issue one of the types")
);
problem_response!(
    /// 409: the `Idempotency-Key` came before with another body.
    IdempotencyKeyReused = (409, "Idempotency-Key reused with another body")
);
problem_response!(
    /// 422: batch items are invalid; nothing was issued.
    BatchInvalid = (
        422,
        "Some items invalid: `items` gives every item's outcome; nothing was issued"
    )
);
problem_response!(
    /// 403: another department's licence, and the key has no reuse scope.
    NotReusable = (403, "Another department's licence, without the reuse scope")
);
problem_response!(
    /// 403: another department's licence.
    OtherDepartmentsLicence = (403, "Another department's licence")
);
problem_response!(
    /// 422: reading another department's licence needs a use cause.
    NoUseCause = (422, "Another department's licence, without a use cause")
);
problem_response!(
    /// 422: a read that needs a use cause came without one.
    NoUseCauseGiven = (422, "No use cause where one is required")
);
problem_response!(
    /// 403: reuse lookups need the reuse scope.
    LacksReuseScope = (403, "Key lacks the reuse scope")
);
problem_response!(
    /// 422: a reuse lookup without a holder or a cause.
    BadReuseQuery = (422, "Missing holder_code or use_cause")
);
problem_response!(
    /// 403: status changes are the issuer's, with the manage scope.
    NotIssuerOrManager = (403, "Not the issuer, or no manage scope")
);
problem_response!(
    /// 409: the status does not allow the change.
    StatusForbidsChange = (409, "The status does not allow this change")
);
problem_response!(
    /// 422: a status change needs a reason, not too long.
    BadReason = (422, "Missing or over-long reason")
);
problem_response!(
    /// 503: no PDF: the issuer has no active seal, or the type no layout.
    NoSealOrLayout = (
        503,
        "The issuing department has no active seal, or its type no layout"
    )
);

// Departments and API keys.

problem_response!(
    /// 404: no department with that USCC.
    NoSuchDepartment = (404, "No such department")
);
problem_response!(
    /// 404: no department registered with that USCC.
    NotRegistered = (404, "Not registered")
);
problem_response!(
    /// 409: the USCC or the key label is taken.
    DepartmentTaken = (409, "USCC already registered, or key label taken")
);
problem_response!(
    /// 404: no API key with that id.
    NoSuchKey = (404, "No such key")
);
problem_response!(
    /// 422: scopes that do not exist, or need a department.
    BadScopes = (422, "Unknown scope, or scopes that need a department")
);

// Seals.

problem_response!(
    /// 404: no seal with that esID.
    NoSuchSeal = (404, "No such seal")
);
problem_response!(
    /// 404: no seal, or no API key, with those ids.
    NoSuchSealOrKey = (404, "No such seal or key")
);
problem_response!(
    /// 404: this library did not make a seal with that esID.
    NotMadeHere = (404, "This library did not make it")
);
problem_response!(
    /// 403: another department's seal.
    OtherDepartmentsSeal = (403, "Another department's seal")
);
problem_response!(
    /// 503: the service makes no seals.
    NoSealMaker = (503, "No seal maker configured")
);
problem_response!(
    /// 422: only keys of the seal's department may stamp with it.
    KeyOfOtherDepartment = (422, "The key belongs to another department")
);
problem_response!(
    /// 403: the key is not authorised for the seal (the refusal is audited).
    NotAuthorisedToStamp = (403, "The key is not authorised for this seal (audited)")
);
problem_response!(
    /// 409: the seal may not stamp now (the refusal is audited).
    SealCannotStamp = (409, "The seal is suspended, revoked or expired (audited)")
);
problem_response!(
    /// 422: a stamp request with a bad hash or property info.
    BadStamp = (422, "Bad hash or property info")
);

// Verification.

problem_response!(
    /// 422: nothing to verify.
    EmptyInput = (422, "Empty payload or body")
);
problem_response!(
    /// 422: not base64, or not what it is said to be.
    NotSealOrSignature = (
        422,
        "Not base64, or not a seal or signature (the DER element and offset named)"
    )
);

// Sets routes share.

problem_set!(
    /// A licence document (PDF, QR code) or the licence read as another department would.
    LicenceDocumentProblems = [
        NotAnIdentifier,
        NoApiKey,
        NotReusable,
        NoSuchLicence,
        NoUseCause
    ]
);
problem_set!(
    /// Suspending, resuming or revoking a licence.
    LicenceStatusChangeProblems = [
        NotIssuerOrManager,
        NoSuchLicence,
        StatusForbidsChange,
        BadReason
    ]
);
problem_set!(
    /// A reuse lookup (用证).
    ReuseProblems = [LacksReuseScope, BadReuseQuery]
);
problem_set!(
    /// A seal read by its department or an administrator.
    OwnSealProblems = [OtherDepartmentsSeal, NoSuchSeal]
);
problem_set!(
    /// Suspending, resuming or revoking a seal.
    SealStatusChangeProblems = [NotPermitted, NoSuchSeal, StatusForbidsChange, BadReason]
);
