//! Tag bytes (X.690 §8.1.2) of the universal types zhengku reads and writes, and of the
//! context-specific tags its structures use. All are single-byte tags: the reader refuses
//! tag numbers of 31 and more, which nothing here uses.

/// BOOLEAN.
pub const BOOLEAN: u8 = 0x01;
/// INTEGER.
pub const INTEGER: u8 = 0x02;
/// BIT STRING.
pub const BIT_STRING: u8 = 0x03;
/// OCTET STRING.
pub const OCTET_STRING: u8 = 0x04;
/// NULL.
pub const NULL: u8 = 0x05;
/// OBJECT IDENTIFIER.
pub const OID: u8 = 0x06;
/// UTF8String.
pub const UTF8_STRING: u8 = 0x0C;
/// PrintableString.
pub const PRINTABLE_STRING: u8 = 0x13;
/// IA5String.
pub const IA5_STRING: u8 = 0x16;
/// UTCTime.
pub const UTC_TIME: u8 = 0x17;
/// GeneralizedTime.
pub const GENERALIZED_TIME: u8 = 0x18;
/// SEQUENCE and SEQUENCE OF (constructed).
pub const SEQUENCE: u8 = 0x30;
/// SET and SET OF (constructed).
pub const SET: u8 = 0x31;
/// `[0]` constructed, context-specific: an EXPLICIT `[0]`, or IMPLICIT over a constructed
/// type.
pub const CONTEXT_0: u8 = context(0, true);
/// `[1]` constructed, context-specific.
pub const CONTEXT_1: u8 = context(1, true);

/// The bit that marks a constructed encoding.
pub const CONSTRUCTED: u8 = 0x20;

/// The tag byte of context-specific `[n]` (`n` below 31), constructed or primitive.
pub const fn context(n: u8, constructed: bool) -> u8 {
    0x80 | if constructed { CONSTRUCTED } else { 0 } | (n & 0x1F)
}

/// True when `tag` is a constructed encoding (its content is more TLVs).
pub const fn is_constructed(tag: u8) -> bool {
    tag & CONSTRUCTED != 0
}
