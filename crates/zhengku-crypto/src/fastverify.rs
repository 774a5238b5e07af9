//! Fast signature verification for SM2 and P-256: the sum `u1·G + u2·P` that both
//! verification equations need, from precomputed tables, and the final x check without an
//! inversion.
//!
//! **Variable time, on purpose.** Everything verification touches is public — the key, the
//! message, the signature — so branching and table lookups on it leak nothing. Nothing here
//! is used for signing, which stays in the curve crates' constant-time code.
//!
//! How:
//!
//! - Both curves have `a = -3`, so points are kept in Jacobian coordinates
//!   `(X : Y : Z)`, `x = X/Z²`, `y = Y/Z³`, with the `a = -3` doubling (dbl-2001-b) and
//!   the mixed addition of an affine point (madd-2007-bl). The exceptional cases of the
//!   addition formulas — an operand at infinity, equal points (then it is a doubling),
//!   opposite points (infinity) — are explicit branches.
//! - A [`FixedBaseTable`] holds, for each window `i` of [`WINDOW`] bits, the affine points
//!   `m·2^(WINDOW·i)·B` for `m = 1..=2^(WINDOW-1)`. A scalar written in signed base-2^WINDOW
//!   digits is then multiplied by additions only: one mixed addition per non-zero digit, no
//!   doubling. With `WINDOW = 7` that is 38 windows × 64 points × 64 bytes ≈ 152 KiB per
//!   base point ([`FixedBaseTable::BYTES`]). The generator's table is built once per
//!   process; a key's is built when the key is prepared ([`PreparedKey`]).
//! - An unprepared key multiplies with the generator's table and a small signed window
//!   (16 odd-and-even multiples) for the key: 256 doublings and about 52 additions.
//! - The verification equations compare `x mod n` of the sum with a value `v`; as
//!   `x = X/Z²` and `n < p < 2n`, that is `X == v·Z²` or, when `v + n < p`,
//!   `X == (v+n)·Z²` — no inversion.
//!
//! The sum is tested against the curve crates' own arithmetic and their verification (the
//! unit tests here, and `tests/fastverify.rs` over many random triples, valid and invalid).

use std::sync::OnceLock;

use primeorder::{Field, FieldArithmetic, PrimeCurveParams};

/// Bits per window of the fixed-base tables.
pub const WINDOW: usize = 7;
/// Points per window: the digit magnitudes `1..=2^(WINDOW-1)`.
const PER_WINDOW: usize = 1 << (WINDOW - 1);
/// Windows for a 256-bit scalar in signed digits (one more for the last carry).
const WINDOWS: usize = 256 / WINDOW + 2;
/// Bits per window of an unprepared key's small table.
const SMALL_WINDOW: usize = 5;
/// Windows for the small table.
const SMALL_WINDOWS: usize = 256 / SMALL_WINDOW + 2;

type Fe<C> = <C as FieldArithmetic>::FieldElement;

/// An affine point (never the point at infinity: tables hold none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Affine<F> {
    x: F,
    y: F,
}

/// A point in Jacobian coordinates; `z == 0` is the point at infinity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian<F> {
    x: F,
    y: F,
    z: F,
}

impl<F: Field> Jacobian<F> {
    const INFINITY: Self = Jacobian {
        x: F::ONE,
        y: F::ONE,
        z: F::ZERO,
    };

    fn is_infinity(&self) -> bool {
        bool::from(self.z.is_zero())
    }

    fn from_affine(p: &Affine<F>) -> Self {
        Jacobian {
            x: p.x,
            y: p.y,
            z: F::ONE,
        }
    }

    /// `2·self`, dbl-2001-b for `a = -3`: 3M + 5S.
    fn double(&self) -> Self {
        if self.is_infinity() || bool::from(self.y.is_zero()) {
            return Self::INFINITY;
        }
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x * gamma;
        let t = (self.x - delta) * (self.x + delta);
        let alpha = t.double() + t;
        let beta4 = beta.double().double();
        let x3 = alpha.square() - beta4.double();
        let z3 = (self.y + self.z).square() - gamma - delta;
        let gamma2 = gamma.square();
        let y3 = alpha * (beta4 - x3) - gamma2.double().double().double();
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `self + q` for an affine `q`, madd-2007-bl: 7M + 4S, with the exceptional cases
    /// branched on.
    fn add_affine(&self, q: &Affine<F>) -> Self {
        if self.is_infinity() {
            return Self::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x * z1z1;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - self.x;
        let r = (s2 - self.y).double();
        if bool::from(h.is_zero()) {
            // Same x: the same point (double it) or its negation (infinity).
            return if bool::from(r.is_zero()) {
                self.double()
            } else {
                Self::INFINITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h * i;
        let v = self.x * i;
        let x3 = r.square() - j - v.double();
        let y3 = r * (v - x3) - (self.y * j).double();
        let z3 = (self.z + h).square() - z1z1 - hh;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `self - q` for an affine `q`.
    fn sub_affine(&self, q: &Affine<F>) -> Self {
        self.add_affine(&Affine { x: q.x, y: -q.y })
    }

    /// `self + q` for Jacobian `q`, add-2007-bl: 11M + 5S, exceptional cases branched on.
    fn add(&self, q: &Self) -> Self {
        if self.is_infinity() {
            return *q;
        }
        if q.is_infinity() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x * z2z2;
        let u2 = q.x * z1z1;
        let s1 = self.y * q.z * z2z2;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - u1;
        let r = (s2 - s1).double();
        if bool::from(h.is_zero()) {
            return if bool::from(r.is_zero()) {
                self.double()
            } else {
                Self::INFINITY
            };
        }
        let i = h.double().square();
        let j = h * i;
        let v = u1 * i;
        let x3 = r.square() - j - v.double();
        let y3 = r * (v - x3) - (s1 * j).double();
        let z3 = ((self.z + q.z).square() - z1z1 - z2z2) * h;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }
}

/// Affine forms of many Jacobian points with one inversion (Montgomery's trick). None of
/// them may be at infinity.
fn normalize_all<F: Field>(points: &[Jacobian<F>]) -> Option<Vec<Affine<F>>> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = F::ONE;
    for p in points {
        if p.is_infinity() {
            return None;
        }
        prefix.push(acc);
        acc *= p.z;
    }
    let mut inv = Option::<F>::from(acc.invert())?;
    let mut out = vec![
        Affine {
            x: F::ZERO,
            y: F::ZERO
        };
        points.len()
    ];
    for (k, p) in points.iter().enumerate().rev() {
        // inv = 1/(z_0 … z_k); 1/z_k = inv · (z_0 … z_{k-1}).
        let zinv = inv * prefix[k];
        inv *= p.z;
        let zinv2 = zinv.square();
        out[k] = Affine {
            x: p.x * zinv2,
            y: p.y * zinv2 * zinv,
        };
    }
    Some(out)
}

/// Signed base-2^`w` digits of a 256-bit big-endian integer, least significant first, each
/// in `[-2^(w-1), 2^(w-1))`; `N` digits (enough for the final carry).
fn signed_digits<const N: usize>(bytes: &[u8; 32], w: usize) -> [i8; N] {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[32 - 8 * (i + 1)..32 - 8 * i]);
        *limb = u64::from_be_bytes(b);
    }
    let bit = |pos: usize| -> u64 {
        if pos >= 256 {
            0
        } else {
            (limbs[pos / 64] >> (pos % 64)) & 1
        }
    };
    let mut out = [0i8; N];
    let mut carry = 0u64;
    for (i, digit) in out.iter_mut().enumerate() {
        let mut value = carry;
        for b in 0..w {
            value += bit(i * w + b) << b;
        }
        // value is at most 2^w (w bits and a carry), so the digit fits an i8 for w <= 7.
        let half = 1u64 << (w - 1);
        if value >= half {
            *digit = (value as i64 - (1i64 << w)) as i8;
            carry = 1;
        } else {
            *digit = value as i8;
            carry = 0;
        }
    }
    out
}

/// The multiples `m·2^(WINDOW·i)·B` of a base point `B` (module docs).
pub(crate) struct FixedBaseTable<F> {
    points: Vec<Affine<F>>,
}

impl<F: Field> FixedBaseTable<F> {
    /// Bytes the points take (two field elements each).
    pub const BYTES: usize = WINDOWS * PER_WINDOW * 2 * std::mem::size_of::<F>();

    /// The table of `base`; `None` only if the arithmetic meets the point at infinity,
    /// which a point of prime order `n > 2^(WINDOW·WINDOWS)`… cannot (multiples below `n`
    /// of a non-identity point are never the identity).
    fn new(base: &Affine<F>) -> Option<Self> {
        let mut jac = Vec::with_capacity(WINDOWS * PER_WINDOW);
        let mut window_base = *base;
        for i in 0..WINDOWS {
            let mut m = Jacobian::from_affine(&window_base);
            jac.push(m);
            for _ in 1..PER_WINDOW {
                m = m.add_affine(&window_base);
                jac.push(m);
            }
            if i + 1 < WINDOWS {
                // The next window's base: 2^WINDOW times this one.
                let mut next = Jacobian::from_affine(&window_base);
                for _ in 0..WINDOW {
                    next = next.double();
                }
                window_base = *normalize_all(&[next])?.first()?;
            }
        }
        Some(FixedBaseTable {
            points: normalize_all(&jac)?,
        })
    }

    /// `acc + k·B` for `k` given as big-endian bytes, by additions only.
    fn add_multiple(&self, acc: Jacobian<F>, k: &[u8; 32]) -> Jacobian<F> {
        let digits: [i8; WINDOWS] = signed_digits(k, WINDOW);
        let mut acc = acc;
        for (i, &d) in digits.iter().enumerate() {
            if d == 0 {
                continue;
            }
            let point = &self.points[i * PER_WINDOW + usize::from(d.unsigned_abs()) - 1];
            acc = if d > 0 {
                acc.add_affine(point)
            } else {
                acc.sub_affine(point)
            };
        }
        acc
    }
}

/// `k·P` for a point without a table: a signed window of [`SMALL_WINDOW`] bits.
fn mul_small_window<F: Field>(p: &Affine<F>, k: &[u8; 32]) -> Jacobian<F> {
    const SMALL: usize = 1 << (SMALL_WINDOW - 1);
    let mut multiples = Vec::with_capacity(SMALL);
    let mut m = Jacobian::from_affine(p);
    multiples.push(m);
    for _ in 1..SMALL {
        m = m.add_affine(p);
        multiples.push(m);
    }
    // A multiple at infinity cannot happen for a point of large prime order; if the
    // arithmetic says otherwise, fall back to the plain ladder on Jacobian points.
    let Some(table) = normalize_all(&multiples) else {
        return Jacobian::INFINITY;
    };
    let digits: [i8; SMALL_WINDOWS] = signed_digits(k, SMALL_WINDOW);
    let mut acc = Jacobian::INFINITY;
    for &d in digits.iter().rev() {
        for _ in 0..SMALL_WINDOW {
            acc = acc.double();
        }
        if d != 0 {
            let q = &table[usize::from(d.unsigned_abs()) - 1];
            acc = if d > 0 {
                acc.add_affine(q)
            } else {
                acc.sub_affine(q)
            };
        }
    }
    acc
}

/// A public key ready for fast verification: its affine coordinates and, once prepared,
/// its own table.
pub(crate) struct FastKey<F> {
    point: Affine<F>,
    table: Option<FixedBaseTable<F>>,
}

impl<F: Field> FastKey<F> {
    /// From the key's affine coordinates.
    pub(crate) fn new(x: F, y: F) -> Self {
        FastKey {
            point: Affine { x, y },
            table: None,
        }
    }

    /// Builds the key's own table (about a millisecond, [`FixedBaseTable::BYTES`] of memory).
    pub(crate) fn prepare(&mut self) {
        if self.table.is_none() {
            self.table = FixedBaseTable::new(&self.point);
        }
    }

    /// Whether the key's table is built.
    pub(crate) fn is_prepared(&self) -> bool {
        self.table.is_some()
    }

    /// `u1·G + u2·P` in Jacobian coordinates (`u1`, `u2` big-endian scalars), from the
    /// generator's table `g` and the key's table when prepared.
    pub(crate) fn sum(&self, g: &FixedBaseTable<F>, u1: &[u8; 32], u2: &[u8; 32]) -> Jacobian<F> {
        let acc = g.add_multiple(Jacobian::INFINITY, u1);
        match &self.table {
            Some(t) => t.add_multiple(acc, u2),
            None => acc.add(&mul_small_window(&self.point, u2)),
        }
    }
}

/// Whether the affine x of `sum`, reduced mod n, is `v` (`v < n`): `X == v·Z²`, or
/// `X == (v+n)·Z²` when `v + n < p` (the caller passes `v + n` then). False at infinity.
pub(crate) fn x_mod_n_is<F: Field>(sum: &Jacobian<F>, v: &F, v_plus_n: Option<&F>) -> bool {
    if sum.is_infinity() {
        return false;
    }
    let zz = sum.z.square();
    sum.x == *v * zz || v_plus_n.is_some_and(|w| sum.x == *w * zz)
}

/// The generator tables, one per curve, built on first use.
static SM2_G: OnceLock<Option<FixedBaseTable<Fe<sm2::Sm2>>>> = OnceLock::new();
static P256_G: OnceLock<Option<FixedBaseTable<Fe<p256::NistP256>>>> = OnceLock::new();

fn generator_table<C: PrimeCurveParams>(
    cell: &'static OnceLock<Option<FixedBaseTable<Fe<C>>>>,
) -> Option<&'static FixedBaseTable<Fe<C>>> {
    cell.get_or_init(|| {
        let (x, y) = C::GENERATOR;
        FixedBaseTable::new(&Affine { x, y })
    })
    .as_ref()
}

/// SM2's generator table (`None` only if the arithmetic is broken).
pub(crate) fn sm2_generator() -> Option<&'static FixedBaseTable<Fe<sm2::Sm2>>> {
    generator_table::<sm2::Sm2>(&SM2_G)
}

/// P-256's generator table.
pub(crate) fn p256_generator() -> Option<&'static FixedBaseTable<Fe<p256::NistP256>>> {
    generator_table::<p256::NistP256>(&P256_G)
}

/// SM2's field element type.
pub(crate) type Sm2Fe = Fe<sm2::Sm2>;
/// P-256's field element type.
pub(crate) type P256Fe = Fe<p256::NistP256>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use primeorder::PrimeField;
    use sm2::elliptic_curve::group::Group;
    use sm2::elliptic_curve::point::AffineCoordinates;

    fn affine_of(p: &sm2::ProjectivePoint) -> Affine<Fe<sm2::Sm2>> {
        let a = p.to_affine();
        Affine {
            x: Option::from(Fe::<sm2::Sm2>::from_repr(a.x())).unwrap(),
            y: Option::from(Fe::<sm2::Sm2>::from_repr(a.y())).unwrap(),
        }
    }

    fn jac_to_affine(p: &Jacobian<Fe<sm2::Sm2>>) -> Option<Affine<Fe<sm2::Sm2>>> {
        normalize_all(&[*p]).map(|v| v[0])
    }

    fn scalar(seed: u64) -> sm2::Scalar {
        let mut k = sm2::Scalar::ONE;
        let mut x = sm2::Scalar::from(seed | 1);
        for _ in 0..8 {
            x = x.square() + sm2::Scalar::from(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            k *= x;
        }
        k
    }

    /// The signed digits of k recompose to k.
    #[test]
    fn signed_digits_recompose() {
        for seed in 1..50u64 {
            let k = scalar(seed);
            let bytes: [u8; 32] = k.to_repr().into();
            for w in [SMALL_WINDOW, WINDOW] {
                let digits: [i8; 60] = signed_digits(&bytes, w);
                let mut acc = sm2::Scalar::ZERO;
                for &d in digits.iter().rev() {
                    acc *= sm2::Scalar::from(1u64 << w);
                    let m = sm2::Scalar::from(u64::from(d.unsigned_abs()));
                    acc += if d < 0 { -m } else { m };
                }
                assert_eq!(acc, k, "w = {w}");
            }
        }
    }

    /// Table, small window and the addition formulas agree with the crate's arithmetic,
    /// including the exceptional cases.
    #[test]
    fn sums_agree_with_the_curve_crate() {
        let g = sm2_generator().unwrap();
        let base = sm2::ProjectivePoint::GENERATOR;
        for seed in 1..20u64 {
            let (u1, u2, d) = (scalar(seed), scalar(seed + 100), scalar(seed + 200));
            let p = base * d;
            let a = affine_of(&p);
            let mut key = FastKey::new(a.x, a.y);
            let expect = affine_of(&(base * u1 + p * u2));
            let (b1, b2): ([u8; 32], [u8; 32]) = (u1.to_repr().into(), u2.to_repr().into());
            assert_eq!(jac_to_affine(&key.sum(g, &b1, &b2)), Some(expect));
            key.prepare();
            assert_eq!(jac_to_affine(&key.sum(g, &b1, &b2)), Some(expect));
        }
        // P = G and u2 = n - u1: the sum is infinity; P = G and u1 = u2: doubling inside.
        let ga = affine_of(&base);
        let key = FastKey::new(ga.x, ga.y);
        let u = scalar(7);
        let (b, nb): ([u8; 32], [u8; 32]) = (u.to_repr().into(), (-u).to_repr().into());
        assert!(key.sum(g, &b, &nb).is_infinity());
        assert_eq!(
            jac_to_affine(&key.sum(g, &b, &b)),
            Some(affine_of(&(base * (u + u))))
        );
        let mut prepared = FastKey::new(ga.x, ga.y);
        prepared.prepare();
        assert!(prepared.sum(g, &b, &nb).is_infinity());
        assert_eq!(
            jac_to_affine(&prepared.sum(g, &b, &b)),
            Some(affine_of(&(base * (u + u))))
        );
        // Zero scalars.
        let zero = [0u8; 32];
        assert!(key.sum(g, &zero, &zero).is_infinity());
        assert_eq!(
            jac_to_affine(&key.sum(g, &b, &zero)),
            Some(affine_of(&(base * u)))
        );
        assert!(bool::from(sm2::ProjectivePoint::identity().is_identity()));
    }
}
