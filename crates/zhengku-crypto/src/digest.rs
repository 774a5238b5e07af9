//! SM3 and SHA-256, one-shot and streaming.
//!
//! Large inputs (PDFs, audit exports) are hashed through [`Hasher`], which also implements
//! [`std::io::Write`] so `std::io::copy(&mut file, &mut hasher)` streams a file without
//! holding it in memory.

use sha2::Digest as _;

use crate::DigestAlgorithm;

/// A 32-byte digest (both SM3 and SHA-256 are 256-bit).
pub type Digest = [u8; 32];

/// SM3 of `data`.
pub fn sm3(data: &[u8]) -> Digest {
    sm3::Sm3::digest(data).into()
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Digest {
    sha2::Sha256::digest(data).into()
}

/// `alg` of `data`.
pub fn digest(alg: DigestAlgorithm, data: &[u8]) -> Digest {
    let mut h = Hasher::new(alg);
    h.update(data);
    h.finalize()
}

/// A streaming hasher for either digest.
#[derive(Clone)]
pub struct Hasher {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Sm3(sm3::Sm3),
    Sha256(sha2::Sha256),
}

impl Hasher {
    /// A fresh hasher.
    pub fn new(alg: DigestAlgorithm) -> Self {
        let inner = match alg {
            DigestAlgorithm::Sm3 => Inner::Sm3(sm3::Sm3::new()),
            DigestAlgorithm::Sha256 => Inner::Sha256(sha2::Sha256::new()),
        };
        Hasher { inner }
    }

    /// The algorithm this hasher computes.
    pub fn algorithm(&self) -> DigestAlgorithm {
        match self.inner {
            Inner::Sm3(_) => DigestAlgorithm::Sm3,
            Inner::Sha256(_) => DigestAlgorithm::Sha256,
        }
    }

    /// Feed more input.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.inner {
            Inner::Sm3(h) => h.update(data),
            Inner::Sha256(h) => h.update(data),
        }
    }

    /// The digest of everything fed so far.
    pub fn finalize(self) -> Digest {
        match self.inner {
            Inner::Sm3(h) => h.finalize().into(),
            Inner::Sha256(h) => h.finalize().into(),
        }
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sm3_abc_matches_standard_vector() {
        // GB/T 32905 appendix A.1.
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sm3_64_byte_vector() {
        // GB/T 32905 appendix A.2: "abcd" repeated 16 times.
        assert_eq!(
            hex::encode(sm3(&b"abcd".repeat(16))),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn sha256_abc_matches_fips_vector() {
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn streaming_equals_one_shot_at_every_split() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for alg in [DigestAlgorithm::Sm3, DigestAlgorithm::Sha256] {
            let whole = digest(alg, &data);
            for split in 0..data.len() {
                let mut h = Hasher::new(alg);
                h.update(&data[..split]);
                h.update(&data[split..]);
                assert_eq!(h.finalize(), whole, "{alg} split at {split}");
            }
            let mut h = Hasher::new(alg);
            std::io::copy(&mut &data[..], &mut h).unwrap();
            assert_eq!(h.finalize(), whole);
        }
    }
}
