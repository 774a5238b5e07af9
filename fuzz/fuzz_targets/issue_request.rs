//! Issue requests as a department sends them (JSON), validated against every shipped
//! licence type: never panics, and every record it accepts survives the canonical round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_model::testing::{
    business_licence_type, food_business_permit_type, sample_issued_at, sample_issuer,
    sample_licence_id, senior_citizen_card_type,
};
use zhengku_model::{IssueRequest, LicenceRecord};

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<IssueRequest>(data) else {
        return;
    };
    for t in [
        business_licence_type(),
        food_business_permit_type(),
        senior_citizen_card_type(),
    ] {
        if let Ok(record) = t.build_record(
            &request,
            &sample_issuer(),
            sample_licence_id(),
            sample_issued_at(),
        ) {
            let bytes = record.to_canonical_cbor();
            assert_eq!(
                LicenceRecord::from_canonical_cbor(&bytes).as_ref(),
                Ok(&record)
            );
        }
    }
});
