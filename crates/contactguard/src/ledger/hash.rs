//! Keyed hashing of recipient and debt keys: SipHash-2-4 with 128-bit
//! output (Aumasson and Bernstein), written from the paper's description.
//!
//! The ledger never stores a key string; it stores the 128-bit keyed hash.
//! 128 bits make an accidental collision between two people negligible
//! (about n²/2¹²⁹ for n keys), so the hash can stand in for the key.

use std::hash::{BuildHasherDefault, Hasher};

const C0: u64 = 0x736f_6d65_7073_6575;
const C1: u64 = 0x646f_7261_6e64_6f6d;
const C2: u64 = 0x6c79_6765_6e65_7261;
const C3: u64 = 0x7465_6462_7974_6573;

/// Up to 8 bytes as a little-endian word (missing high bytes zero).
#[inline]
fn le_word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    if let Some(d) = w.get_mut(..b.len()) {
        d.copy_from_slice(b);
    }
    u64::from_le_bytes(w)
}

/// SipHash-2-4 state over a stream of bytes.
#[derive(Clone, Debug)]
struct Sip {
    v: [u64; 4],
    tail: u64,
    ntail: u32,
    len: u64,
}

impl Sip {
    fn new(k0: u64, k1: u64, wide: bool) -> Sip {
        let mut v1 = k1 ^ C1;
        if wide {
            v1 ^= 0xee;
        }
        Sip {
            v: [k0 ^ C0, v1, k0 ^ C2, k1 ^ C3],
            tail: 0,
            ntail: 0,
            len: 0,
        }
    }

    fn round(&mut self) {
        let [mut v0, mut v1, mut v2, mut v3] = self.v;
        v0 = v0.wrapping_add(v1);
        v1 = v1.rotate_left(13) ^ v0;
        v0 = v0.rotate_left(32);
        v2 = v2.wrapping_add(v3);
        v3 = v3.rotate_left(16) ^ v2;
        v0 = v0.wrapping_add(v3);
        v3 = v3.rotate_left(21) ^ v0;
        v2 = v2.wrapping_add(v1);
        v1 = v1.rotate_left(17) ^ v2;
        v2 = v2.rotate_left(32);
        self.v = [v0, v1, v2, v3];
    }

    fn compress(&mut self, m: u64) {
        self.v[3] ^= m;
        self.round();
        self.round();
        self.v[0] ^= m;
    }

    fn write(&mut self, bytes: &[u8]) {
        self.len = self.len.wrapping_add(bytes.len() as u64);
        let mut rest = bytes;
        // Fill a partial word first, all its bytes at once.
        if self.ntail != 0 {
            let take = (8 - self.ntail as usize).min(rest.len());
            let (head, r) = rest.split_at(take);
            self.tail |= le_word(head) << (8 * self.ntail);
            self.ntail += take as u32;
            rest = r;
            if self.ntail < 8 {
                return;
            }
            let m = self.tail;
            self.compress(m);
            self.tail = 0;
            self.ntail = 0;
        }
        let mut words = rest.chunks_exact(8);
        for w in &mut words {
            self.compress(le_word(w));
        }
        self.tail = le_word(words.remainder());
        self.ntail = words.remainder().len() as u32;
    }

    fn last_block(&mut self) {
        let b = ((self.len & 0xff) << 56) | self.tail;
        self.compress(b);
    }

    fn digest(&mut self) -> u64 {
        for _ in 0..4 {
            self.round();
        }
        self.v[0] ^ self.v[1] ^ self.v[2] ^ self.v[3]
    }

    fn finish64(mut self) -> u64 {
        self.last_block();
        self.v[2] ^= 0xff;
        self.digest()
    }

    fn finish128(mut self) -> (u64, u64) {
        self.last_block();
        self.v[2] ^= 0xee;
        let a = self.digest();
        self.v[1] ^= 0xdd;
        let b = self.digest();
        (a, b)
    }
}

/// SipHash-2-4 with a 64-bit output.
pub(crate) fn siphash64(k0: u64, k1: u64, parts: &[&[u8]]) -> u64 {
    let mut s = Sip::new(k0, k1, false);
    for p in parts {
        s.write(p);
    }
    s.finish64()
}

/// SipHash-2-4 with a 128-bit output, as two little-endian words.
pub(crate) fn siphash128(k0: u64, k1: u64, parts: &[&[u8]]) -> (u64, u64) {
    let mut s = Sip::new(k0, k1, true);
    for p in parts {
        s.write(p);
    }
    s.finish128()
}

/// [`siphash128`] of one tag byte followed by `key` (`&[&[tag], key]`),
/// in one pass with no streaming state: the ledger hashes every key this
/// way, once or twice per decision.
pub(crate) fn siphash128_tagged(k0: u64, k1: u64, tag: u8, key: &[u8]) -> (u64, u64) {
    let mut s = Sip::new(k0, k1, true);
    // The message's first word is the tag and the key's first seven bytes;
    // the key's later words start at its byte 7.
    let (head, rest) = key.split_at(key.len().min(7));
    let first = u64::from(tag) | (le_word(head) << 8);
    s.len = key.len() as u64 + 1;
    if rest.is_empty() && head.len() < 7 {
        s.tail = first;
    } else {
        s.compress(first);
        let mut words = rest.chunks_exact(8);
        for w in &mut words {
            s.compress(le_word(w));
        }
        s.tail = le_word(words.remainder());
    }
    s.finish128()
}

/// A recipient or debt key as the ledger stores it: its 128-bit keyed hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Kh(pub(crate) u64, pub(crate) u64);

impl std::hash::Hash for Kh {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Already uniformly distributed: one word is enough for a table.
        state.write_u64(self.0);
    }
}

impl Kh {
    /// Which of `n` shards (a power of two) holds this key. Uses the word
    /// the hash tables do not, so shards and buckets are independent.
    pub(crate) fn shard(self, n: usize) -> usize {
        (self.1 as usize) & (n - 1)
    }
}

/// A pass-through hasher for [`Kh`] keys, which are already keyed hashes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by `Kh`; a plain FNV-1a keeps it correct for anything else.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Hash tables keyed by [`Kh`].
pub(crate) type KhMap<V> = std::collections::HashMap<Kh, V, BuildHasherDefault<IdHasher>>;

/// The ledger's hashing key, derived from the caller's secret.
#[derive(Clone)]
pub(crate) struct KeyHasher {
    k0: u64,
    k1: u64,
}

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHasher { .. }")
    }
}

/// Fixed key used only to derive the ledger key from a secret of any length.
const DERIVE_K0: u64 = 0x6361_6e74_6163_7467; // "gtcatnac" read little-endian
const DERIVE_K1: u64 = 0x7265_6764_656c_2e64;

impl KeyHasher {
    /// Derives the 128-bit SipHash key from `secret` (any length; an empty
    /// secret gives the public default key of [`Ledger::new`](super::Ledger::new)).
    pub(crate) fn from_secret(secret: &[u8]) -> KeyHasher {
        let (k0, k1) = siphash128(
            DERIVE_K0,
            DERIVE_K1,
            &[b"contactguard.ledger.key/1\0", secret],
        );
        KeyHasher { k0, k1 }
    }

    /// A recipient key, hashed.
    pub(crate) fn recipient(&self, to: &str) -> Kh {
        let (a, b) = siphash128_tagged(self.k0, self.k1, b'r', to.as_bytes());
        Kh(a, b)
    }

    /// A debt key, hashed.
    pub(crate) fn debt(&self, debt: &str) -> Kh {
        let (a, b) = siphash128_tagged(self.k0, self.k1, b'd', debt.as_bytes());
        Kh(a, b)
    }

    /// A value that identifies the key without revealing it, stored in
    /// snapshots so that a snapshot is not restored under another key.
    pub(crate) fn fingerprint(&self) -> u64 {
        siphash64(self.k0, self.k1, &[b"contactguard.ledger.fingerprint/1"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K0: u64 = 0x0706_0504_0302_0100;
    const K1: u64 = 0x0f0e_0d0c_0b0a_0908;

    fn le128((a, b): (u64, u64)) -> Vec<u8> {
        let mut v = a.to_le_bytes().to_vec();
        v.extend_from_slice(&b.to_le_bytes());
        v
    }

    #[test]
    fn reference_vectors_128() {
        // The first vectors of the SipHash reference implementation
        // (key 00..0f, message 00..len-1).
        assert_eq!(
            le128(siphash128(K0, K1, &[])),
            [
                0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6, 0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55,
                0x02, 0x93
            ]
        );
        assert_eq!(
            le128(siphash128(K0, K1, &[&[0]])),
            [
                0xda, 0x87, 0xc1, 0xd8, 0x6b, 0x99, 0xaf, 0x44, 0x34, 0x76, 0x59, 0x11, 0x9b, 0x22,
                0xfc, 0x45
            ]
        );
        assert_eq!(
            le128(siphash128(K0, K1, &[&[0, 1]])),
            [
                0x81, 0x77, 0x22, 0x8d, 0xa4, 0xa4, 0x5d, 0xc7, 0xfc, 0xa3, 0x8b, 0xde, 0xf6, 0x0a,
                0xff, 0xe4
            ]
        );
    }

    #[test]
    fn reference_vector_64() {
        assert_eq!(
            siphash64(K0, K1, &[]).to_le_bytes(),
            [0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72]
        );
    }

    #[test]
    #[allow(deprecated)]
    fn agrees_with_std_siphash_on_long_and_split_input() {
        // std's deprecated `SipHasher` is SipHash-2-4 (64-bit output); it
        // checks the block loop and the tail handling on every length.
        let data: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let msg = &data[..len];
            let mut std_h = std::hash::SipHasher::new_with_keys(K0, K1);
            std_h.write(msg);
            let want = std_h.finish();
            assert_eq!(siphash64(K0, K1, &[msg]), want, "len {len}");
            // Split anywhere: the stream gives the same result.
            let cut = len / 3;
            assert_eq!(
                siphash64(K0, K1, &[&msg[..cut], &msg[cut..]]),
                want,
                "len {len}"
            );
            assert_eq!(
                siphash128(K0, K1, &[&msg[..cut], &msg[cut..]]),
                siphash128(K0, K1, &[msg])
            );
            // A one-byte part first (as the ledger's domain prefixes), and
            // parts that end inside a partial word and fill it.
            let one = len.min(1);
            let two = (cut + 3).min(len).max(cut);
            assert_eq!(
                siphash64(K0, K1, &[&msg[..one], &msg[one..]]),
                want,
                "len {len}"
            );
            assert_eq!(
                siphash64(
                    K0,
                    K1,
                    &[
                        &msg[..one],
                        &msg[one..cut.max(one)],
                        &msg[cut.max(one)..two.max(one)],
                        &msg[two.max(one)..]
                    ]
                ),
                want,
                "len {len}"
            );
        }
    }

    #[test]
    fn tagged_agrees_with_the_stream_on_every_length() {
        // The one-pass form against the streaming one, on every key
        // length around the word boundaries (and well past them).
        let data: Vec<u8> = (0..100u32).map(|i| (i * 31 + 5) as u8).collect();
        for len in 0..data.len() {
            for tag in [b'r', b'd', 0, 0xff] {
                assert_eq!(
                    siphash128_tagged(K0, K1, tag, &data[..len]),
                    siphash128(K0, K1, &[&[tag], &data[..len]]),
                    "len {len} tag {tag}"
                );
            }
        }
        // And against the reference vector for the message 00 01.
        assert_eq!(
            le128(siphash128_tagged(K0, K1, 0, &[1])),
            [
                0x81, 0x77, 0x22, 0x8d, 0xa4, 0xa4, 0x5d, 0xc7, 0xfc, 0xa3, 0x8b, 0xde, 0xf6, 0x0a,
                0xff, 0xe4
            ]
        );
    }

    #[test]
    fn keys_and_domains_separate() {
        let a = KeyHasher::from_secret(b"one");
        let b = KeyHasher::from_secret(b"two");
        assert_ne!(a.recipient("+15551234567"), b.recipient("+15551234567"));
        assert_ne!(a.recipient("x"), a.debt("x"));
        assert_eq!(
            a.recipient("x"),
            KeyHasher::from_secret(b"one").recipient("x")
        );
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
}
