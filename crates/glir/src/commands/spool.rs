//! Output held back until it may be shown: `detect --input` lists alerts only once the whole
//! input proved to be in time order.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::rc::Rc;

/// Kept in memory up to this size (a run's listing usually is), then in a temporary file:
/// creating a file costs more than most runs' whole listing.
const IN_MEMORY: usize = 32 * 1024 * 1024;

#[derive(Default)]
struct Held {
    memory: Vec<u8>,
    file: Option<BufWriter<File>>,
}

/// A writer into the spool; [`Spool::release`] hands what it holds on.
#[derive(Clone, Default)]
pub(super) struct Spool(Rc<RefCell<Held>>);

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut held = self.0.borrow_mut();
        if held.file.is_none() && held.memory.len() + buf.len() > IN_MEMORY {
            let mut file = BufWriter::new(tempfile::tempfile()?);
            file.write_all(&held.memory)?;
            held.memory = Vec::new();
            held.file = Some(file);
        }
        match held.file.as_mut() {
            Some(file) => file.write(buf),
            None => {
                held.memory.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.0.borrow_mut().file.as_mut() {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Spool {
    /// Writes everything held to `out` and empties the spool.
    pub(super) fn release(&self, out: &mut dyn Write) -> io::Result<()> {
        let held = std::mem::take(&mut *self.0.borrow_mut());
        match held.file {
            Some(file) => {
                let mut file = file.into_inner().map_err(|e| e.into_error())?;
                file.seek(SeekFrom::Start(0))?;
                io::copy(&mut file, out).map(|_| ())
            }
            None => out.write_all(&held.memory),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_held_comes_out_in_order_from_memory_or_from_the_file() {
        for size in [10, IN_MEMORY + 10] {
            let spool = Spool::default();
            let mut writer = spool.clone();
            let line = vec![b'x'; 1000];
            let mut written = 0;
            let mut n = 0u32;
            while written < size {
                writer.write_all(&n.to_le_bytes()).unwrap();
                writer.write_all(&line).unwrap();
                written += 1004;
                n += 1;
            }
            writer.flush().unwrap();
            assert_eq!(spool.0.borrow().file.is_some(), size > IN_MEMORY);
            let mut out = Vec::new();
            spool.release(&mut out).unwrap();
            assert_eq!(out.len(), written);
            let last = &out[out.len() - 1004..out.len() - 1000];
            assert_eq!(u32::from_le_bytes(last.try_into().unwrap()), n - 1);
        }
    }
}
