use glir_events::Layout;

/// How to ingest a file.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Force a layout instead of detecting it from the file's first record; records that do not
    /// fit it are malformed.
    pub layout: Option<Layout>,
    /// Stop at the first malformed record instead of skipping it.
    pub strict: bool,
    /// Identity namespace stored with each event (set it to the GitLab host, so ids from two
    /// instances never collide).
    pub source: String,
    /// Events per insert transaction (default 100,000: SQLite rewrites every index page a
    /// transaction touches, so larger transactions cost far less per event; memory does not
    /// grow with it, as events reach the writer in chunks of at most 5,000).
    pub batch_size: usize,
    /// How many malformed-record errors the report keeps (all are counted).
    pub max_reported_errors: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            layout: None,
            strict: false,
            source: "local".to_owned(),
            batch_size: 100_000,
            max_reported_errors: 100,
        }
    }
}

/// Where an ingest is, reported after each committed batch.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Bytes of the file read so far (compressed bytes for gzip).
    pub bytes_read: u64,
    /// The file's size, when known.
    pub total_bytes: Option<u64>,
    /// Well-formed records stored or found to be duplicates so far.
    pub records: u64,
}
