//! Opening the byte stream: counting raw bytes for progress and undoing gzip.

use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Large reads keep syscalls and decompressor calls off the per-record cost.
const READ_BUFFER: usize = 256 * 1024;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Counts the bytes pulled from the underlying reader so the inserting thread can report
/// progress while another thread reads.
pub(crate) struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The decoded byte stream of a file.
pub(crate) struct Input {
    pub(crate) reader: Box<dyn BufRead + Send>,
    pub(crate) gzip: bool,
}

/// Detects gzip by its magic bytes, not the file name: rotated logs are often renamed.
pub(crate) fn open<R: Read + Send + 'static>(raw: R, count: Arc<AtomicU64>) -> io::Result<Input> {
    let mut counting = Counting { inner: raw, count };
    let mut head = [0u8; 2];
    let mut filled = 0;
    while filled < head.len() {
        match counting.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let gzip = filled == head.len() && head == GZIP_MAGIC;
    let stream = Cursor::new(head).take(filled as u64).chain(counting);
    let reader: Box<dyn BufRead + Send> = if gzip {
        // Multi-member: `cat a.gz b.gz` and some log shippers produce concatenated members.
        let decoder =
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(READ_BUFFER, stream));
        Box::new(BufReader::with_capacity(READ_BUFFER, decoder))
    } else {
        Box::new(BufReader::with_capacity(READ_BUFFER, stream))
    };
    Ok(Input { reader, gzip })
}
