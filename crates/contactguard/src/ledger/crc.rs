//! `Read`/`Write` adapters that compute the CRC-32 (IEEE 802.3, the
//! `crc32fast` crate) of ledger snapshots on the way.

use std::io::{self, Read, Write};

/// A running CRC-32.
#[derive(Clone, Debug, Default)]
pub(crate) struct Crc32(crc32fast::Hasher);

impl Crc32 {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub(crate) fn value(&self) -> u32 {
        self.0.clone().finalize()
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
            crc: Crc32::default(),
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
            crc: Crc32::default(),
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
        // The standard check value of CRC-32/ISO-HDLC, which the snapshots
        // written with the earlier hand-written table used.
        let mut c = Crc32::default();
        c.update(b"123456789");
        assert_eq!(c.value(), 0xCBF4_3926);
        let mut split = Crc32::default();
        split.update(b"1234");
        split.update(b"56789");
        assert_eq!(split.value(), 0xCBF4_3926);
        assert_eq!(Crc32::default().value(), 0);
    }
}
