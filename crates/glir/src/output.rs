//! Where glir's own text goes: stdout for results, stderr for status lines.
//!
//! A reader may go away before glir is done (`glir events | head`). Rust ignores SIGPIPE, so a
//! write to the closed pipe fails with `BrokenPipe` (and `println!`/`eprintln!` panic on it).
//! As ripgrep does, that is a quiet exit with status 0: the reader has all it wanted. Results
//! are written through [`stdout`], which notes the broken pipe so `main` can tell it from
//! other errors however the error was wrapped on its way up (serde_json, for one, keeps only
//! the kind of an io error). Status lines go through [`status!`], which drops what a closed
//! stderr cannot take: the work itself (an ingest, say) still has to finish.

use std::fmt;
use std::io::{self, ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Locked stdout that remembers when its reader went away.
pub struct Stdout(io::StdoutLock<'static>);

/// Stdout for a command's results; write errors propagate (see [`stdout_closed`]).
pub fn stdout() -> Stdout {
    Stdout(io::stdout().lock())
}

/// Whether a write to stdout failed because nobody reads it any more.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

fn note<T>(result: io::Result<T>) -> io::Result<T> {
    if let Err(e) = &result
        && e.kind() == ErrorKind::BrokenPipe
    {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
    result
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        note(self.0.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        note(self.0.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        note(self.0.flush())
    }
}

/// Writes to stderr as is; a closed or failing stderr is not worth stopping for.
pub fn to_stderr(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    // Nowhere left to report a failure to write to stderr.
    let _ = err.write_fmt(args).and_then(|()| err.flush());
}

/// `eprintln!` without its panic when stderr is closed.
macro_rules! status {
    ($($arg:tt)*) => {
        $crate::output::to_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use status;
