//! Trust lists, signer lists, status-list manifests and seal status extensions from anyone
//! (a sync reads what a server sends; a verifier reads its folder): reading never panics,
//! stays within its bounds, and what reads back re-encodes to the very bytes read (the
//! formats are deterministic CBOR read strictly).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_status::{Manifest, Reference};
use zhengku_trustlist::{SignerList, TrustList};

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = TrustList::from_cbor(data) {
        assert_eq!(list.to_cbor(), data);
        assert!(list.check().is_ok());
    }
    if let Ok(list) = SignerList::from_cbor(data) {
        assert_eq!(list.to_cbor(), data);
        assert!(list.certs.windows(2).all(|w| w[0] < w[1]));
    }
    if let Ok(m) = Manifest::from_cbor(data) {
        assert_eq!(m.to_cbor(), data);
    }
    let _ = zhengku_trustlist::read_unverified(data);
    if let Ok(r) = Reference::from_seal_extension(data) {
        // Other keys of a Status map are ignored on reading, so only the reference itself
        // must survive a round trip.
        assert_eq!(
            Reference::from_seal_extension(&r.to_seal_extension()).ok(),
            Some(r)
        );
    }
});
