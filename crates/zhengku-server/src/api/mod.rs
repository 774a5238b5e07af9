//! The JSON shapes of the API: what requests carry and what responses return, each with its
//! OpenAPI schema. Conversions from the model live here too, so a handler only picks a view.
//!
//! Times are RFC 3339 UTC strings, dates `YYYY-MM-DD`; a licence's `valid_until` is `null`
//! for 长期 (long-term). Binary values (the signed licence, certificates) are standard
//! base64 or PEM.
//!
//! One module per part of the API (`licences`, `admin`, `ops`), re-exported here; the
//! seal and verification routes keep theirs beside them ([`crate::routes::seals::views`],
//! [`crate::routes::verify`]).

mod admin;
mod licences;
mod ops;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use self::admin::{
    ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyView, DepartmentCreate, DepartmentList,
    DepartmentView,
};
pub use self::licences::{
    BatchItem, BatchRequest, BatchResponse, EventView, FieldView, HistoryResponse, HolderView,
    IssuerView, LicenceTypeList, LicenceTypeView, LicenceView, ReuseResponse, SignatureView,
    StatusChangeRequest, StatusChangeResponse, StatusListView, StatusView,
};
pub use self::ops::{AuditEntryView, AuditPage, Health, ReadyDetail, TrustView};

/// Unix seconds as RFC 3339 (UTC).
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// Today's date, UTC (for expiry).
pub fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}
