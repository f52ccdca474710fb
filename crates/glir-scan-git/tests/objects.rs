//! Object storage: unreachable objects, packs, bare repositories, size cap, entry kinds, errors.

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use glir_scan_git::{Error, HistoryOptions, scan_history};
use support::{Repo, reachable, scan, with_unreachable};

/// Three commits on two branches; `big.txt` changes one line per commit so packing stores its
/// versions as deltas.
fn small_history() -> Repo {
    let lines = |changed: &str| -> String {
        (0..300)
            .map(|i| format!("line {i} {}\n", if i == 150 { changed } else { "same" }))
            .collect()
    };
    let mut repo = Repo::new();
    repo.write("src/main.rs", "fn main() {}\n");
    repo.write("big.txt", lines("one"));
    repo.commit("one");
    repo.write("src/lib.rs", "pub fn f() {}\n");
    repo.write("src/main.rs", "fn main() { f() }\n");
    repo.write("big.txt", lines("two"));
    repo.commit("two");
    repo.git(&["switch", "-q", "-c", "side"]);
    repo.write("notes.txt", "side\n");
    repo.write("big.txt", lines("three"));
    repo.commit("three");
    repo
}

#[test]
fn a_dangling_blob_is_visited_only_on_request() {
    let repo = small_history();
    let dangling = repo.dangling_blob("written but never committed\n");

    let (visits, stats) = scan(repo.path(), &reachable());
    assert!(visits.iter().all(|v| v.blob != dangling));
    assert_eq!(stats.unreachable_blobs, 0);

    let (visits, stats) = scan(repo.path(), &with_unreachable());
    let hits: Vec<_> = visits.iter().filter(|v| v.blob == dangling).collect();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].data, b"written but never committed\n");
    assert_eq!(hits[0].commit, None);
    assert_eq!(hits[0].path, None);
    assert_eq!(hits[0].author_name, None);
    assert_eq!(hits[0].date, None);
    assert_eq!(stats.unreachable_blobs, 1);
    let ids: BTreeSet<String> = visits.iter().map(|v| v.blob.clone()).collect();
    assert_eq!(ids, repo.git_all_blobs());
    assert_eq!(ids.len(), visits.len(), "each blob once");
}

#[test]
fn a_packed_repository_scans_like_the_loose_one() {
    let repo = small_history();
    let dangling = repo.dangling_blob("dangling, to be packed\n");
    let mut loose = scan(repo.path(), &with_unreachable());
    assert!(repo.loose_objects() > 0);

    // `git gc` and `repack -a` leave a recent dangling blob loose: give it a pack of its own.
    repo.git(&["repack", "-q", "-a", "-d"]);
    repo.git_with_input(
        &["pack-objects", "-q", ".git/objects/pack/pack"],
        format!("{dangling}\n").as_bytes(),
    );
    repo.git(&["prune-packed"]);
    assert_eq!(repo.loose_objects(), 0, "everything packed");
    let mut packed = scan(repo.path(), &with_unreachable());

    loose.0.sort();
    packed.0.sort();
    assert_eq!(packed, loose);
    assert_eq!(packed.1.unreachable_blobs, 1);
}

#[test]
fn a_bare_mirror_and_the_git_dir_scan_like_the_work_tree() {
    let repo = small_history();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let bare = repo.bare_mirror(elsewhere.path());

    let mut work_tree = scan(repo.path(), &reachable());
    let mut git_dir = scan(&repo.path().join(".git"), &reachable());
    let mut mirror = scan(&bare, &reachable());
    work_tree.0.sort();
    git_dir.0.sort();
    mirror.0.sort();
    assert_eq!(git_dir, work_tree);
    assert_eq!(mirror, work_tree);
    assert_eq!(work_tree.1.commits, 3);
}

#[test]
fn blobs_over_the_size_cap_are_counted_not_read() {
    let mut repo = Repo::new();
    repo.write("small.txt", vec![b's'; 100]);
    repo.write("at-cap.bin", vec![b'c'; 1000]);
    repo.write("big.bin", vec![b'b'; 1001]);
    repo.commit("sizes");
    let opts = HistoryOptions {
        max_blob_size: 1000,
        ..HistoryOptions::default()
    };

    for packed in [false, true] {
        if packed {
            repo.git(&["gc", "-q"]);
        }
        let (visits, stats) = scan(repo.path(), &opts);
        let sizes: BTreeSet<usize> = visits.iter().map(|v| v.data.len()).collect();
        assert_eq!(sizes, BTreeSet::from([100, 1000]), "packed: {packed}");
        assert_eq!(stats.skipped_large, 1);
        assert_eq!(stats.blobs, 2);
        assert_eq!(stats.bytes, 1100);
    }
}

#[test]
fn symlinks_are_scanned_and_submodules_skipped() {
    let mut repo = Repo::new();
    repo.write("target.txt", "pointed at\n");
    std::os::unix::fs::symlink("target.txt", repo.path().join("link")).expect("symlink");
    repo.commit("link");
    // A submodule entry: a commit id inside a tree, pointing into another repository.
    let foreign = "0123456789abcdef0123456789abcdef01234567";
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{foreign},vendor/lib"),
    ]);
    repo.git(&["commit", "-q", "-m", "submodule"]);

    let (visits, stats) = scan(repo.path(), &reachable());

    let link = visits
        .iter()
        .find(|v| v.path.as_deref() == Some("link"))
        .expect("symlink visited");
    assert_eq!(link.data, b"target.txt");
    assert!(visits.iter().all(|v| v.blob != foreign));
    assert_eq!(stats.commits, 2);
    assert_eq!(stats.blobs, 2);
}

#[test]
fn an_empty_repository_has_nothing_to_scan() {
    let repo = Repo::new();
    let (visits, stats) = scan(repo.path(), &with_unreachable());
    assert!(visits.is_empty());
    assert_eq!(stats.commits, 0);
}

#[test]
fn a_path_without_a_repository_is_named_in_the_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).expect("mkdir");
    for path in [plain.clone(), dir.path().join("missing")] {
        let err = scan_history(&path, &reachable(), &mut |_, _| panic!("nothing to visit"))
            .expect_err("not a repository");
        assert!(matches!(err, Error::NotARepository { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("not a git repository"), "{message}");
    }
}

#[test]
fn worker_threads_give_the_one_thread_visits_in_the_same_order() {
    let mut repo = small_history();
    for i in 0..40 {
        repo.write(
            &format!("dir{}/file{i}.txt", i % 3),
            format!("version {i}\n"),
        );
        if i % 7 == 0 {
            repo.commit(&format!("batch {i}"));
        }
    }
    repo.commit("last");
    let opts = with_unreachable();
    let (one, one_stats) = scan(repo.path(), &opts);
    for threads in [2, 3, 8] {
        let opts = HistoryOptions {
            threads,
            ..opts.clone()
        };
        let mut many = Vec::new();
        // The first blob is held back until three others are scanned, so results do arrive out
        // of order.
        let others = AtomicUsize::new(0);
        let stats = glir_scan_git::scan_history_parallel(
            repo.path(),
            &opts,
            &|origin, data| {
                if origin.blob_id == one[0].blob {
                    while others.load(Ordering::SeqCst) < 3 {
                        std::thread::yield_now();
                    }
                } else {
                    others.fetch_add(1, Ordering::SeqCst);
                }
                (
                    origin.blob_id.to_owned(),
                    origin.path.map(str::to_owned),
                    data.to_vec(),
                )
            },
            &mut |visit| many.push(visit),
        )
        .expect("scan succeeds");
        let one: Vec<_> = one
            .iter()
            .map(|v| (v.blob.clone(), v.path.clone(), v.data.clone()))
            .collect();
        assert_eq!(many, one, "{threads} threads");
        assert_eq!(stats, one_stats);
    }
}
