//! Serial numbers for GB/T 36904 identifiers, reserved from the database in blocks.
//!
//! Allocating one value per licence would cost each issue a write transaction of its own
//! before the one that stores it. Instead each server reserves [`BLOCK`] values at a time
//! per (issuer, type, year) with one statement ([`Store::next_sequences`]) and hands them
//! out from memory. Values stay unique across replicas (each block is the database's), and
//! a batch larger than a block reserves exactly what it needs.
//!
//! The price, written down: values reserved and not used when a server stops are never
//! used (a gap of at most `BLOCK - 1` per key and restart), and with several replicas the
//! serials of one issuer are unique but not in issuing order. Identifiers are not a count
//! of licences; the audit log is.

use std::collections::HashMap;

use tokio::sync::Mutex;
use zhengku_store::{Store, StoreError};

/// Values reserved per database round trip.
pub const BLOCK: u32 = 32;

/// (issuer USCC, type code, year).
type Key = (String, String, u16);

/// The unused part of a reserved block: `next..end`.
type Range = (u32, u32);

/// Reserved, not yet used values per (issuer USCC, type code, year).
#[derive(Default)]
pub struct Sequences {
    // A tokio mutex: it is held across the reservation's await, so two callers never
    // reserve for the same key at once.
    free: Mutex<HashMap<Key, Range>>,
}

impl Sequences {
    /// `count` consecutive values for (issuer, type, year); returns the first.
    pub async fn take(
        &self,
        store: &Store,
        issuer: &str,
        type_code: &str,
        year: u16,
        count: u32,
    ) -> Result<u32, StoreError> {
        let mut free = self.free.lock().await;
        let key = (issuer.to_owned(), type_code.to_owned(), year);
        if let Some((next, end)) = free.get_mut(&key)
            && end.saturating_sub(*next) >= count
        {
            let first = *next;
            *next += count;
            return Ok(first);
        }
        // Not enough left: reserve a new block. What was left of the old one is dropped,
        // since the batch needs consecutive values.
        let reserve = count.max(BLOCK);
        let first = store
            .next_sequences(issuer, type_code, year, reserve)
            .await?;
        free.insert(key, (first + count, first + reserve));
        Ok(first)
    }
}
