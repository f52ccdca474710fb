//! One history scan: open the repository, walk commits, diff trees, read each new blob once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::{
    ObjectId,
    bstr::ByteSlice,
    objs::{FindExt, FindHeader},
};

use crate::{
    BlobOrigin, Error, HistoryOptions, HistoryStats,
    blobs::{CommitInfo, Job, Read},
    commits::{self, Step},
    error::{Context, Failure},
    new_blobs::NewBlobs,
};

/// Git's own default for `core.deltaBaseCacheLimit`.
const PACK_CACHE_BYTES: usize = 96 * 1024 * 1024;
/// Trees are read twice in a row (as a commit's tree, then as its child's parent tree).
const TREE_CACHE_BYTES: usize = 32 * 1024 * 1024;

pub(crate) struct Scan {
    pub path: PathBuf,
    pub repo: gix::Repository,
    pub include_unreachable: bool,
    pub max_blob_size: u64,
}

impl Scan {
    pub(crate) fn open(path: &Path, opts: &HistoryOptions) -> Result<Self, Error> {
        // Isolated: ignore the user's and system's git configuration and environment, so the
        // same repository scans the same way on any machine (a forensic copy included).
        let mut repo = gix::open_opts(path, gix::open::Options::isolated()).map_err(|e| {
            Error::NotARepository {
                path: path.to_path_buf(),
                source: e.into(),
            }
        })?;
        with_pack_cache(&mut repo);
        Ok(Self {
            path: path.to_path_buf(),
            repo,
            include_unreachable: opts.include_unreachable,
            max_blob_size: opts.max_blob_size,
        })
    }

    /// Reads and visits every planned blob on this thread, in order.
    pub(crate) fn run(
        self,
        visit: &mut dyn FnMut(&BlobOrigin<'_>, &[u8]),
    ) -> Result<HistoryStats, Error> {
        let mut stats = HistoryStats::default();
        let mut buf = Vec::new();
        let planned = plan(&self.repo, self.include_unreachable, &mut |job| {
            let read = job.read(&self.repo.objects, self.max_blob_size, &mut buf)?;
            if let Read::Data(data) = read {
                job.with_origin(|origin| visit(origin, data));
            }
            tally(&mut stats, &job, &read);
            Ok(())
        });
        stats.commits = planned.map_err(|f| f.at(&self.path))?;
        Ok(stats)
    }
}

/// Walks history and hands each blob to read, in credit order, to `jobs`; returns how many
/// commits there are.
pub(crate) fn plan(
    repo: &gix::Repository,
    include_unreachable: bool,
    jobs: &mut dyn FnMut(Job) -> Result<(), Failure>,
) -> Result<u64, Failure> {
    let tips = commits::tips(repo)?;
    let steps = commits::ordered(repo, &tips.commits)?;

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
    let mut commit_buf = Vec::new();

    for step in &steps {
        let info = Arc::new(CommitInfo::read(repo, step.commit, &mut commit_buf)?);
        diff.run(&trees, step, &mut new)?;
        for (blob, path) in new.found() {
            jobs(Job {
                id: blob,
                commit: Some(Arc::clone(&info)),
                path: Some(path.to_str_lossy().into_owned()),
                unreachable: false,
            })?;
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
            jobs(Job {
                id: blob,
                commit: None,
                path: Some(path.to_str_lossy().into_owned()),
                unreachable: false,
            })?;
        }
    }
    for blob in tips.blobs {
        if new.mark_seen(blob) {
            jobs(Job {
                id: blob,
                commit: None,
                path: None,
                unreachable: false,
            })?;
        }
    }

    if include_unreachable {
        unreachable(repo, &mut new, jobs)?;
    }
    Ok(steps.len() as u64)
}

/// Delta bases decoded once serve the many blob and tree versions built on them.
pub(crate) fn with_pack_cache(repo: &mut gix::Repository) {
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            PACK_CACHE_BYTES,
        ))
    });
}

/// Counts a job once it is read (or found over the cap).
pub(crate) fn tally(stats: &mut HistoryStats, job: &Job, read: &Read<'_>) {
    match read {
        Read::TooLarge => stats.skipped_large += 1,
        Read::Data(data) => {
            stats.blobs += 1;
            stats.bytes += data.len() as u64;
            if job.unreachable {
                stats.unreachable_blobs += 1;
            }
        }
    }
}

/// Every blob in the object database (loose and packed, alternates included) not yet seen.
fn unreachable(
    repo: &gix::Repository,
    seen: &mut NewBlobs,
    jobs: &mut dyn FnMut(Job) -> Result<(), Failure>,
) -> Result<(), Failure> {
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
            jobs(Job {
                id,
                commit: None,
                path: None,
                unreachable: true,
            })?;
        }
    }
    Ok(())
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
