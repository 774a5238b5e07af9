//! Status-list tokens and lists from anyone: reading never panics and stays within its
//! bounds; a list read from `lst` compresses and reads back to itself; every index inside
//! a list has a status and none outside it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhengku_status::{SignedStatusList, StatusList};

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = SignedStatusList::decode(data) {
        let list = &token.unverified_claims().list;
        assert!(list.as_bytes().len() <= zhengku_status::MAX_LIST_BYTES);
    }
    if let Some((&bits, lst)) = data.split_first()
        && let Ok(list) = StatusList::from_compressed(u64::from(bits), lst)
    {
        let again = StatusList::from_compressed(u64::from(bits), &list.compressed());
        assert_eq!(again.ok().as_ref(), Some(&list));
        if !list.is_empty() {
            assert!(list.get(list.len() - 1).is_ok());
        }
        assert!(list.get(list.len()).is_err());
    }
});
