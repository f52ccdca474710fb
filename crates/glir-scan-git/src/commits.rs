//! Which commits history holds and in which order to visit them.
//!
//! Order matters for attribution: a blob is credited to the first commit that adds it, so every
//! commit must come after all of its parents. Commit times can be skewed (rebases, bad clocks),
//! so they only break ties between commits whose parents are all done.

use std::{cmp::Reverse, collections::BinaryHeap, collections::HashMap, ops::Range};

use gix::{
    ObjectId,
    objs::{Find, FindExt},
};

use crate::error::{Context, Failure};

/// What the references point at, once annotated tags are peeled.
#[derive(Debug, Default)]
pub(crate) struct Tips {
    pub commits: Vec<ObjectId>,
    /// Trees a tag points at directly: reachable, but introduced by no commit.
    pub trees: Vec<ObjectId>,
    /// Blobs a tag points at directly.
    pub blobs: Vec<ObjectId>,
}

/// One commit to diff: its tree against its first parent's (`None`: the empty tree).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub commit: ObjectId,
    pub tree: ObjectId,
    pub parent_tree: Option<ObjectId>,
}

/// Peels every reference and `HEAD` to the object it finally names.
pub(crate) fn tips(repo: &gix::Repository) -> Result<Tips, Failure> {
    let mut starts = Vec::new();
    let head = repo.head().reading(|| "HEAD".into())?;
    // An unborn HEAD (empty repository) names nothing; a detached one names a commit that may
    // be on no branch at all.
    starts.extend(head.id().map(|id| id.detach()));
    let platform = repo.references().reading(|| "references".into())?;
    for reference in platform.all().reading(|| "references".into())? {
        let reference = reference.reading(|| "a reference".into())?;
        // Symbolic references point at another reference, which this loop reaches itself.
        if let Some(id) = reference.target().try_id() {
            starts.push(id.to_owned());
        }
    }
    starts.sort_unstable();
    starts.dedup();

    let mut tips = Tips::default();
    let mut buf = Vec::new();
    for start in starts {
        let mut id = start;
        loop {
            let data = repo
                .objects
                .find(&id, &mut buf)
                .reading(|| format!("object {id} named by a reference"))?;
            match data.kind {
                gix::object::Kind::Tag => {
                    id = gix::objs::TagRefIter::from_bytes(data.data, data.object_hash)
                        .target_id()
                        .reading(|| format!("tag {id}"))?;
                }
                gix::object::Kind::Commit => break tips.commits.push(id),
                gix::object::Kind::Tree => break tips.trees.push(id),
                gix::object::Kind::Blob => break tips.blobs.push(id),
            }
        }
    }
    Ok(tips)
}

struct Node {
    id: ObjectId,
    tree: ObjectId,
    time: i64,
    /// Into `Graph::parents`.
    parents: Range<usize>,
}

/// Every commit reachable from `tips`, parents before children.
pub(crate) fn ordered(repo: &gix::Repository, tips: &[ObjectId]) -> Result<Vec<Step>, Failure> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut parents: Vec<ObjectId> = Vec::new();
    let mut index: HashMap<ObjectId, usize> = HashMap::new();
    let mut queued: gix::hashtable::HashSet = tips.iter().copied().collect();
    let mut stack: Vec<ObjectId> = queued.iter().copied().collect();
    let mut buf = Vec::new();

    while let Some(id) = stack.pop() {
        let found = repo
            .objects
            .try_find(&id, &mut buf)
            .reading(|| format!("commit {id}"))?;
        // A shallow clone lacks the parents of its boundary commits: treat those as roots.
        let Some(data) = found else { continue };
        let commit = data
            .decode()
            .ok()
            .and_then(|o| o.into_commit())
            .ok_or_else(|| Failure::new(format!("commit {id}"), "not a valid commit object"))?;
        let time = commit.committer().map(|c| c.seconds()).unwrap_or(0);
        let start = parents.len();
        for parent in commit.parents() {
            parents.push(parent);
            if queued.insert(parent) {
                stack.push(parent);
            }
        }
        index.insert(id, nodes.len());
        nodes.push(Node {
            id,
            tree: commit.tree(),
            time,
            parents: start..parents.len(),
        });
    }

    // Kahn's algorithm; the heap picks the oldest ready commit so that, on unskewed history,
    // this is plain commit-time order.
    let mut pending = vec![0usize; nodes.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (child, node) in nodes.iter().enumerate() {
        for parent in &parents[node.parents.clone()] {
            if let Some(&p) = index.get(parent) {
                pending[child] += 1;
                children[p].push(child);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, usize)>> = pending
        .iter()
        .enumerate()
        .filter(|(_, n)| **n == 0)
        .map(|(i, _)| Reverse((nodes[i].time, i)))
        .collect();
    let mut steps = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        let node = &nodes[i];
        let parent_tree = parents[node.parents.clone()]
            .first()
            .and_then(|p| index.get(p))
            .map(|&p| nodes[p].tree);
        steps.push(Step {
            commit: node.id,
            tree: node.tree,
            parent_tree,
        });
        for &child in &children[i] {
            pending[child] -= 1;
            if pending[child] == 0 {
                ready.push(Reverse((nodes[child].time, child)));
            }
        }
    }
    Ok(steps)
}
