//! Handing out list indices (状态列表序号分配): every licence gets the next entry of the
//! current list, but at an index that says nothing about when it was issued, and no index
//! is ever given twice.
//!
//! A list of `2^bits` entries has a secret 32-byte seed, chosen at random when the list is
//! opened. The n-th licence placed in it (n counting 0, 1, 2, … in the library's store)
//! gets index `permute(seed, n)`, where `permute` is a bijection on `0..2^bits`: a balanced
//! Feistel network of [`ROUNDS`] rounds whose round function is the first bytes of
//! SHA-256(seed ‖ round ‖ half). Being a bijection, distinct counters give distinct
//! indices (never reused); without the seed, an index tells nothing of `n` (the issue
//! order). The counter, not the index, is what the store reserves, so replicas can take
//! disjoint runs of counters without coordinating indices.
//!
//! `bits` must be even (the halves are equal) and at most 32; zhengku's lists use 20.

/// Feistel rounds: four make a pseudorandom permutation from a pseudorandom function
/// (Luby–Rackoff); two more cost nothing here.
pub const ROUNDS: u8 = 6;

/// A keyed permutation of `0..2^bits` (module docs).
#[derive(Clone)]
pub struct IndexPermutation {
    seed: [u8; 32],
    half_bits: u32,
}

impl std::fmt::Debug for IndexPermutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The seed is the secret that hides issue order: never printed.
        f.debug_struct("IndexPermutation")
            .field("bits", &(self.half_bits * 2))
            .finish_non_exhaustive()
    }
}

impl IndexPermutation {
    /// The permutation of `0..2^bits` for `seed`; `None` unless `bits` is even and in
    /// 2..=32.
    pub fn new(seed: [u8; 32], bits: u32) -> Option<IndexPermutation> {
        ((2..=32).contains(&bits) && bits.is_multiple_of(2)).then_some(IndexPermutation {
            seed,
            half_bits: bits / 2,
        })
    }

    /// How many indices there are: `2^bits`.
    pub fn len(&self) -> u64 {
        1u64 << (self.half_bits * 2)
    }

    /// Always false: a permutation has at least four indices.
    pub fn is_empty(&self) -> bool {
        false
    }

    fn round(&self, round: u8, half: u32) -> u32 {
        let mut input = [0u8; 37];
        input[..32].copy_from_slice(&self.seed);
        input[32] = round;
        input[33..].copy_from_slice(&half.to_be_bytes());
        let h = zhengku_crypto::sha256(&input);
        let mask = (1u64 << self.half_bits) as u32 - 1;
        u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & mask
    }

    /// The index of the `n`-th entry; `None` when `n` is past the list's end.
    pub fn index(&self, n: u64) -> Option<u64> {
        if n >= self.len() {
            return None;
        }
        let mask = (1u64 << self.half_bits) - 1;
        // Both halves fit in half_bits <= 16 bits.
        let (mut left, mut right) = ((n >> self.half_bits) as u32, (n & mask) as u32);
        for r in 0..ROUNDS {
            let next = left ^ self.round(r, right);
            left = right;
            right = next;
        }
        Some((u64::from(left) << self.half_bits) | u64::from(right))
    }

    /// The counter that gave `index` (the inverse permutation): for audits that must tell
    /// which entry of a list came when.
    pub fn counter(&self, index: u64) -> Option<u64> {
        if index >= self.len() {
            return None;
        }
        let mask = (1u64 << self.half_bits) - 1;
        let (mut left, mut right) = ((index >> self.half_bits) as u32, (index & mask) as u32);
        for r in (0..ROUNDS).rev() {
            let prev = right ^ self.round(r, left);
            right = left;
            left = prev;
        }
        Some((u64::from(left) << self.half_bits) | u64::from(right))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_list_of_2_20_is_a_permutation_and_inverts() {
        let p = IndexPermutation::new([7; 32], 20).unwrap();
        let mut seen = vec![false; 1 << 20];
        for n in 0..(1u64 << 20) {
            let i = p.index(n).unwrap();
            assert!(!seen[i as usize], "index {i} given twice");
            seen[i as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        for n in [0, 1, 2, 999, (1 << 20) - 1] {
            assert_eq!(p.counter(p.index(n).unwrap()), Some(n));
        }
        assert_eq!(p.index(1 << 20), None);
    }

    #[test]
    fn the_order_hides_issue_order_and_depends_on_the_seed() {
        let a = IndexPermutation::new([1; 32], 20).unwrap();
        let b = IndexPermutation::new([2; 32], 20).unwrap();
        let first_a: Vec<u64> = (0..64).map(|n| a.index(n).unwrap()).collect();
        let first_b: Vec<u64> = (0..64).map(|n| b.index(n).unwrap()).collect();
        assert_ne!(first_a, first_b);
        // Consecutive licences land far apart: not increasing, spread over the list.
        let increasing = first_a.windows(2).filter(|w| w[1] > w[0]).count();
        assert!(
            (16..48).contains(&increasing),
            "{increasing} of 63 steps go up"
        );
        let high = first_a.iter().filter(|i| **i >= 1 << 19).count();
        assert!((16..48).contains(&high), "{high} of 64 in the upper half");
        assert!(IndexPermutation::new([0; 32], 21).is_none());
        assert!(format!("{a:?}").contains("bits: 20"));
        assert!(!format!("{a:?}").contains("seed"));
    }
}
