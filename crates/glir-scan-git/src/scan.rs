//! One history scan: open the repository, walk commits, diff trees, read each new blob once.

use std::path::{Path, PathBuf};

use gix::{
    ObjectId,
    bstr::ByteSlice,
    objs::{FindExt, FindHeader},
};

use crate::{
    BlobOrigin, Error, HistoryOptions, HistoryStats,
    commits::{self, Step},
    error::{Context, Failure},
    new_blobs::NewBlobs,
};

/// Git's own default for `core.deltaBaseCacheLimit`: delta bases decoded once serve the many
/// blob and tree versions built on them.
const PACK_CACHE_BYTES: usize = 96 * 1024 * 1024;
/// Trees are read twice in a row (as a commit's tree, then as its child's parent tree).
const TREE_CACHE_BYTES: usize = 32 * 1024 * 1024;

pub(crate) struct Scan<'v> {
    path: PathBuf,
    repo: gix::Repository,
    include_unreachable: bool,
    blobs: Blobs<'v>,
}

/// Reads blobs and hands them to the caller; owns the counters.
struct Blobs<'v> {
    max_blob_size: u64,
    visit: &'v mut dyn FnMut(&BlobOrigin<'_>, &[u8]),
    stats: HistoryStats,
    data: Vec<u8>,
}

/// The commit a blob is credited to, decoded once per commit.
#[derive(Default)]
struct CommitInfo {
    id: String,
    author_name: String,
    author_email: String,
    date: Option<jiff::Timestamp>,
}

impl<'v> Scan<'v> {
    pub(crate) fn open(
        path: &Path,
        opts: &HistoryOptions,
        visit: &'v mut dyn FnMut(&BlobOrigin<'_>, &[u8]),
    ) -> Result<Self, Error> {
        // Isolated: ignore the user's and system's git configuration and environment, so the
        // same repository scans the same way on any machine (a forensic copy included).
        let mut repo = gix::open_opts(path, gix::open::Options::isolated()).map_err(|e| {
            Error::NotARepository {
                path: path.to_path_buf(),
                source: e.into(),
            }
        })?;
        repo.objects.set_pack_cache(|| {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                PACK_CACHE_BYTES,
            ))
        });
        Ok(Self {
            path: path.to_path_buf(),
            repo,
            include_unreachable: opts.include_unreachable,
            blobs: Blobs {
                max_blob_size: opts.max_blob_size,
                visit,
                stats: HistoryStats::default(),
                data: Vec::new(),
            },
        })
    }

    pub(crate) fn run(mut self) -> Result<HistoryStats, Error> {
        let path = self.path.clone();
        self.walk().map_err(|f| f.at(&path))?;
        Ok(self.blobs.stats)
    }

    fn walk(&mut self) -> Result<(), Failure> {
        let repo = &self.repo;
        let tips = commits::tips(repo)?;
        let steps = commits::ordered(repo, &tips.commits)?;
        self.blobs.stats.commits = steps.len() as u64;

        // Trees come from a handle of their own with an object cache: blobs are read once each
        // and would only evict the trees that the next diff needs again.
        let mut trees = repo.objects.clone();
        trees.set_object_cache(|| {
            Box::new(gix::odb::pack::cache::object::MemoryCappedHashmap::new(
                TREE_CACHE_BYTES,
            ))
        });
        let mut new = NewBlobs::default();
        let mut diff = Differ::default();
        let mut info = CommitInfo::default();
        let mut commit_buf = Vec::new();

        for step in &steps {
            info.read(repo, step.commit, &mut commit_buf)?;
            diff.run(&trees, step, &mut new)?;
            for (blob, path) in new.found() {
                let path = path.to_str_lossy();
                self.blobs
                    .emit(repo, blob, Some(&info), Some(&path), false)?;
            }
        }

        // Reachable from a tag yet from no commit: no commit to credit.
        for tree in tips.trees {
            let step = Step {
                commit: tree,
                tree,
                parent_tree: None,
            };
            diff.run(&trees, &step, &mut new)?;
            for (blob, path) in new.found() {
                let path = path.to_str_lossy();
                self.blobs.emit(repo, blob, None, Some(&path), false)?;
            }
        }
        for blob in tips.blobs {
            if new.mark_seen(blob) {
                self.blobs.emit(repo, blob, None, None, false)?;
            }
        }

        if self.include_unreachable {
            self.unreachable(&mut new)?;
        }
        Ok(())
    }

    /// Every blob in the object database (loose and packed, alternates included) not yet seen.
    fn unreachable(&mut self, seen: &mut NewBlobs) -> Result<(), Failure> {
        let repo = &self.repo;
        let all = repo
            .objects
            .iter()
            .reading(|| "the object database".into())?;
        for id in all {
            let id = id.reading(|| "the object database listing".into())?;
            // The listing repeats objects stored both loose and packed; `seen` absorbs that.
            if seen.is_seen(&id) {
                continue;
            }
            let header = repo
                .objects
                .try_header(&id)
                .reading(|| format!("object {id}"))?;
            if header.is_some_and(|h| h.kind == gix::object::Kind::Blob) {
                seen.mark_seen(id);
                self.blobs.emit(repo, id, None, None, true)?;
            }
        }
        Ok(())
    }
}

impl CommitInfo {
    fn read(
        &mut self,
        repo: &gix::Repository,
        id: ObjectId,
        buf: &mut Vec<u8>,
    ) -> Result<(), Failure> {
        let commit = repo
            .objects
            .find_commit(&id, buf)
            .reading(|| format!("commit {id}"))?;
        let author = commit
            .author()
            .reading(|| format!("author of commit {id}"))?;
        self.id.clear();
        self.id.push_str(id.hex_to_buf(&mut [0u8; 64]));
        self.author_name.clear();
        self.author_name.push_str(&author.name.to_str_lossy());
        self.author_email.clear();
        self.author_email.push_str(&author.email.to_str_lossy());
        self.date = jiff::Timestamp::from_second(author.seconds()).ok();
        Ok(())
    }
}

/// Buffers reused across all tree diffs.
#[derive(Default)]
struct Differ {
    state: gix::diff::tree::State,
    old: Vec<u8>,
    new: Vec<u8>,
}

impl Differ {
    fn run(
        &mut self,
        trees: &gix::OdbHandle,
        step: &Step,
        delegate: &mut NewBlobs,
    ) -> Result<(), Failure> {
        let hash = step.tree.kind();
        let new = tree_iter(trees, step.tree, &mut self.new)?;
        let old = match step.parent_tree {
            Some(parent) => tree_iter(trees, parent, &mut self.old)?,
            None => gix::objs::TreeRefIter::from_bytes(&[], hash),
        };
        delegate.clear();
        gix::diff::tree(old, new, &mut self.state, trees, delegate)
            .reading(|| format!("diff of commit {}", step.commit))
    }
}

fn tree_iter<'b>(
    trees: &gix::OdbHandle,
    id: ObjectId,
    buf: &'b mut Vec<u8>,
) -> Result<gix::objs::TreeRefIter<'b>, Failure> {
    // The empty tree is implied by git and may be stored nowhere.
    if id.is_empty_tree() {
        return Ok(gix::objs::TreeRefIter::from_bytes(&[], id.kind()));
    }
    trees
        .find_tree_iter(&id, buf)
        .reading(|| format!("tree {id}"))
}

impl Blobs<'_> {
    fn emit(
        &mut self,
        repo: &gix::Repository,
        id: ObjectId,
        commit: Option<&CommitInfo>,
        path: Option<&str>,
        unreachable: bool,
    ) -> Result<(), Failure> {
        if !id.is_empty_blob() {
            let size = repo
                .objects
                .try_header(&id)
                .reading(|| format!("blob {id}"))?
                .ok_or_else(|| Failure::new(format!("blob {id}"), "object missing"))?
                .size;
            if size > self.max_blob_size {
                self.stats.skipped_large += 1;
                return Ok(());
            }
        }
        let data = repo
            .objects
            .find_blob(&id, &mut self.data)
            .reading(|| format!("blob {id}"))?
            .data;
        self.stats.blobs += 1;
        self.stats.bytes += data.len() as u64;
        if unreachable {
            self.stats.unreachable_blobs += 1;
        }
        let mut hex = [0u8; 64];
        let origin = BlobOrigin {
            blob_id: id.hex_to_buf(&mut hex),
            commit: commit.map(|c| c.id.as_str()),
            author_name: commit.map(|c| c.author_name.as_str()),
            author_email: commit.map(|c| c.author_email.as_str()),
            date: commit.and_then(|c| c.date),
            path,
        };
        (self.visit)(&origin, data);
        Ok(())
    }
}
