//! Byte comparison for the short texts a decision compares on its hot
//! path: keys and zone names. Shared by the engine (a zone name against
//! the thread's last one) and the C ABI (an ask's keys against the ones
//! it already holds); not part of the crate's stable API.

/// Whether `a` and `b` hold the same bytes, compared a word at a time
/// (the last word overlapping the one before) or, under 8 bytes, byte by
/// byte, without a call to `memcmp`.
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn word(s: &[u8], i: usize) -> Option<u64> {
        s.get(i..)?.first_chunk().copied().map(u64::from_ne_bytes)
    }
    if a.len() != b.len() {
        return false;
    }
    let Some(last) = a.len().checked_sub(8) else {
        return a.iter().zip(b).all(|(x, y)| x == y);
    };
    let mut i = 0;
    while i < last {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, last) == word(b, last)
}

#[cfg(test)]
mod tests {
    use super::same_bytes;

    /// Equal exactly when the bytes are, at every length from 0 to 40
    /// (under a word, whole words, a last word overlapping), wherever two
    /// strings differ.
    #[test]
    fn same_bytes_is_byte_equality() {
        let base: Vec<u8> = (0u8..40).map(|i| b'a' + i % 26).collect();
        for n in 0..=base.len() {
            let a = &base[..n];
            assert!(same_bytes(a, a), "{n}");
            let copy = a.to_vec();
            assert!(same_bytes(a, &copy), "{n}");
            for m in 0..=base.len() {
                assert_eq!(same_bytes(a, &base[..m]), n == m, "{n} {m}");
            }
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 0x20;
                assert!(!same_bytes(a, &b), "{n} {i}");
            }
        }
    }
}
