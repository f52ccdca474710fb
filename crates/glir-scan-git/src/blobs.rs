//! Reading one planned blob: the size cap, the bytes, and the origin handed to the caller.

use std::sync::Arc;

use gix::{
    ObjectId,
    bstr::ByteSlice,
    objs::{FindExt, FindHeader},
};

use crate::{
    BlobOrigin,
    error::{Context, Failure},
};

/// A blob to read, in the order history credits it.
pub(crate) struct Job {
    pub id: ObjectId,
    /// Shared by every blob the commit introduced.
    pub commit: Option<Arc<CommitInfo>>,
    pub path: Option<String>,
    pub unreachable: bool,
}

/// The commit a blob is credited to, decoded once per commit.
pub(crate) struct CommitInfo {
    id: String,
    author_name: String,
    author_email: String,
    date: Option<jiff::Timestamp>,
}

impl CommitInfo {
    pub(crate) fn read(
        repo: &gix::Repository,
        id: ObjectId,
        buf: &mut Vec<u8>,
    ) -> Result<Self, Failure> {
        let commit = repo
            .objects
            .find_commit(&id, buf)
            .reading(|| format!("commit {id}"))?;
        let author = commit
            .author()
            .reading(|| format!("author of commit {id}"))?;
        Ok(Self {
            id: id.to_string(),
            author_name: author.name.to_str_lossy().into_owned(),
            author_email: author.email.to_str_lossy().into_owned(),
            date: jiff::Timestamp::from_second(author.seconds()).ok(),
        })
    }
}

/// What reading a job gave.
pub(crate) enum Read<'b> {
    /// Over the size cap: not read.
    TooLarge,
    Data(&'b [u8]),
}

impl Job {
    /// The blob's bytes, unless it is over `max_size`; `buf` holds them.
    pub(crate) fn read<'b>(
        &self,
        objects: &gix::OdbHandle,
        max_size: u64,
        buf: &'b mut Vec<u8>,
    ) -> Result<Read<'b>, Failure> {
        let id = self.id;
        if !id.is_empty_blob() {
            let size = objects
                .try_header(&id)
                .reading(|| format!("blob {id}"))?
                .ok_or_else(|| Failure::new(format!("blob {id}"), "object missing"))?
                .size;
            if size > max_size {
                return Ok(Read::TooLarge);
            }
        }
        let data = objects
            .find_blob(&id, buf)
            .reading(|| format!("blob {id}"))?
            .data;
        Ok(Read::Data(data))
    }

    /// Calls `f` with this job's origin.
    pub(crate) fn with_origin<R>(&self, f: impl FnOnce(&BlobOrigin<'_>) -> R) -> R {
        let mut hex = [0u8; 64];
        let commit = self.commit.as_deref();
        f(&BlobOrigin {
            blob_id: self.id.hex_to_buf(&mut hex),
            commit: commit.map(|c| c.id.as_str()),
            author_name: commit.map(|c| c.author_name.as_str()),
            author_email: commit.map(|c| c.author_email.as_str()),
            date: commit.and_then(|c| c.date),
            path: self.path.as_deref(),
        })
    }
}
