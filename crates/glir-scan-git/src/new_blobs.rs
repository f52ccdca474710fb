//! A tree-diff delegate that keeps only blobs never seen before, with their paths.

use std::{collections::VecDeque, ops::Range};

use gix::{
    ObjectId,
    bstr::{BStr, BString, ByteSlice},
    diff::tree::{Visit, visit},
};

/// Collects, for one diff, the added or modified blobs never seen before (and marks them seen).
///
/// One instance serves a whole scan: it owns the set of seen blob ids, and paths are kept in one
/// reused byte buffer so diffs adding thousands of files allocate little.
#[derive(Default)]
pub(crate) struct NewBlobs {
    seen: gix::hashtable::HashSet,
    /// Paths of trees waiting in the diff's breadth-first queue, in queue order.
    queued_dirs: VecDeque<BString>,
    path: BString,
    paths: Vec<u8>,
    found: Vec<(ObjectId, Range<usize>)>,
}

impl NewBlobs {
    /// Records `id` as seen; `false` if it already was.
    pub(crate) fn mark_seen(&mut self, id: ObjectId) -> bool {
        self.seen.insert(id)
    }

    /// Whether `id` was found by a diff or marked seen.
    pub(crate) fn is_seen(&self, id: &ObjectId) -> bool {
        self.seen.contains(id)
    }

    /// Forgets the previous diff's results, keeping the buffers and the seen set.
    pub(crate) fn clear(&mut self) {
        self.queued_dirs.clear();
        self.path.clear();
        self.paths.clear();
        self.found.clear();
    }

    /// The new blobs of the last diff with their `/`-separated paths.
    pub(crate) fn found(&self) -> impl Iterator<Item = (ObjectId, &[u8])> + '_ {
        self.found
            .iter()
            .map(|(id, range)| (*id, &self.paths[range.clone()]))
    }

    fn push_element(&mut self, name: &BStr) {
        if name.is_empty() {
            return;
        }
        if !self.path.is_empty() {
            self.path.push(b'/');
        }
        self.path.extend_from_slice(name);
    }
}

impl Visit for NewBlobs {
    fn pop_front_tracked_path_and_set_current(&mut self) {
        self.path = self
            .queued_dirs
            .pop_front()
            .expect("the diff queues a path for every tree it queues");
    }

    fn push_back_tracked_path_component(&mut self, component: &BStr) {
        self.push_element(component);
        self.queued_dirs.push_back(self.path.clone());
    }

    fn push_path_component(&mut self, component: &BStr) {
        self.push_element(component);
    }

    fn pop_path_component(&mut self) {
        match self.path.rfind_byte(b'/') {
            Some(pos) => self.path.truncate(pos),
            None => self.path.clear(),
        }
    }

    fn visit(&mut self, change: visit::Change) -> visit::Action {
        let (mode, oid) = match change {
            visit::Change::Addition {
                entry_mode, oid, ..
            }
            | visit::Change::Modification {
                entry_mode, oid, ..
            } => (entry_mode, oid),
            visit::Change::Deletion { .. } => return std::ops::ControlFlow::Continue(()),
        };
        // Trees are descended into by the diff itself; commit entries are submodules, whose
        // objects live in another repository.
        if mode.is_blob_or_symlink() && self.seen.insert(oid) {
            let start = self.paths.len();
            self.paths.extend_from_slice(&self.path);
            self.found.push((oid, start..self.paths.len()));
        }
        std::ops::ControlFlow::Continue(())
    }
}
