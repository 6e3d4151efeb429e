//! CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the checksum of
//! ledger snapshots, and `Read`/`Write` adapters that compute it on the way.

use std::io::{self, Read, Write};

#[expect(
    clippy::indexing_slicing,
    reason = "const evaluation: an out-of-range index fails the build"
)]
const fn table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static TABLE: [u32; 256] = table();

/// A running CRC-32.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Crc32(u32);

impl Crc32 {
    pub(crate) fn new() -> Crc32 {
        Crc32(0xFFFF_FFFF)
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        let mut c = self.0;
        for &b in bytes {
            let i = usize::from((c as u8) ^ b);
            c = TABLE.get(i).copied().unwrap_or(0) ^ (c >> 8);
        }
        self.0 = c;
    }

    pub(crate) fn value(self) -> u32 {
        self.0 ^ 0xFFFF_FFFF
    }
}

/// A writer that checksums everything written through it.
pub(crate) struct CrcWriter<W> {
    pub(crate) inner: W,
    pub(crate) crc: Crc32,
    pub(crate) written: u64,
}

impl<W: Write> CrcWriter<W> {
    pub(crate) fn new(inner: W) -> CrcWriter<W> {
        CrcWriter {
            inner,
            crc: Crc32::new(),
            written: 0,
        }
    }
}

impl<W: Write> Write for CrcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(buf.get(..n).unwrap_or(buf));
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that checksums everything read through it.
pub(crate) struct CrcReader<R> {
    pub(crate) inner: R,
    pub(crate) crc: Crc32,
}

impl<R: Read> CrcReader<R> {
    pub(crate) fn new(inner: R) -> CrcReader<R> {
        CrcReader {
            inner,
            crc: Crc32::new(),
        }
    }
}

impl<R: Read> Read for CrcReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.crc.update(buf.get(..n).unwrap_or(&[]));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        // The standard check value of CRC-32/ISO-HDLC.
        let mut c = Crc32::new();
        c.update(b"123456789");
        assert_eq!(c.value(), 0xCBF4_3926);
        let mut split = Crc32::new();
        split.update(b"1234");
        split.update(b"56789");
        assert_eq!(split.value(), 0xCBF4_3926);
        assert_eq!(Crc32::new().value(), 0);
    }
}
