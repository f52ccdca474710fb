//! Attribution and coverage of reachable history.

mod support;

use std::collections::BTreeSet;

use support::{Repo, Visit, planted_token, reachable, scan};

fn visits_of<'a>(visits: &'a [Visit], content: &[u8]) -> Vec<&'a Visit> {
    visits.iter().filter(|v| v.data == content).collect()
}

#[test]
fn a_secret_removed_from_history_is_credited_to_the_commit_that_added_it() {
    let token = planted_token();
    let secret_file = format!("GITLAB_TOKEN={token}\n");
    let mut repo = Repo::new();
    repo.write("README.md", "hello\n");
    repo.commit("initial");
    repo.set_author("Bob Leaker", "bob@example.com");
    let added_at = repo.next_date();
    repo.write("config/app.env", &secret_file);
    let added = repo.commit("add config");
    repo.set_author("Alice Example", "alice@example.com");
    repo.remove("config/app.env");
    repo.commit("remove config");

    let (visits, stats) = scan(repo.path(), &reachable());

    let hits = visits_of(&visits, secret_file.as_bytes());
    assert_eq!(hits.len(), 1, "visited once: {hits:?}");
    let hit = hits[0];
    assert_eq!(hit.commit.as_deref(), Some(added.as_str()));
    assert_eq!(hit.author_name.as_deref(), Some("Bob Leaker"));
    assert_eq!(hit.author_email.as_deref(), Some("bob@example.com"));
    assert_eq!(hit.date, Some(added_at));
    assert_eq!(hit.path.as_deref(), Some("config/app.env"));
    assert_eq!(hit.blob, repo.rev(&format!("{added}:config/app.env")));
    assert_eq!(stats.commits, 3);
    assert_eq!(stats.blobs, 2);
    assert_eq!(stats.unreachable_blobs, 0);
    // The origin is what a caller would log: it must never carry the content.
    assert!(
        !format!("{hit:?}")
            .replace(&secret_file, "")
            .contains(&token)
    );
    assert!(!format!("{stats:?}").contains(&token));
}

#[test]
fn identical_content_is_visited_once_at_its_first_path_and_commit() {
    let mut repo = Repo::new();
    repo.write("a.txt", "same bytes\n");
    repo.write("nested/deeper/b.txt", "same bytes\n");
    let first = repo.commit("two paths, one blob");
    repo.write("c.txt", "same bytes\n");
    repo.write("a.txt", "changed\n");
    repo.commit("third copy");
    repo.write("a.txt", "same bytes\n");
    repo.commit("back again");

    let (visits, stats) = scan(repo.path(), &reachable());

    let hits = visits_of(&visits, b"same bytes\n");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].commit.as_deref(), Some(first.as_str()));
    let path = hits[0].path.as_deref().expect("path");
    assert!(path == "a.txt" || path == "nested/deeper/b.txt", "{path}");
    assert_eq!(stats.blobs, 2, "same bytes + changed");
    let ids: BTreeSet<String> = visits.iter().map(|v| v.blob.clone()).collect();
    assert_eq!(ids, repo.git_reachable_blobs());
}

#[test]
fn unmerged_branches_tags_and_detached_head_are_reached() {
    let mut repo = Repo::new();
    repo.write("main.txt", "main\n");
    repo.commit("main");

    repo.git(&["switch", "-q", "-c", "feature"]);
    repo.write("feature.txt", "only on an unmerged branch\n");
    let feature = repo.commit("feature");

    repo.git(&["switch", "-q", "--orphan", "release"]);
    repo.write("release.txt", "only under an annotated tag\n");
    let tagged = repo.commit("release");
    repo.git(&["tag", "-a", "-m", "v1", "v1.0"]);
    repo.git(&["switch", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "release"]);

    repo.git(&["switch", "-q", "--detach", "main"]);
    repo.write("detached.txt", "only on a detached HEAD\n");
    let detached = repo.commit("detached");

    let tag_blob = repo.git_with_input(
        &["hash-object", "-w", "--stdin"],
        b"a blob named directly by a tag\n",
    );
    repo.git(&["tag", "-a", "-m", "blob tag", "blob-tag", &tag_blob]);

    let (visits, stats) = scan(repo.path(), &reachable());

    let credited = |content: &[u8]| {
        let hits = visits_of(&visits, content);
        assert_eq!(hits.len(), 1, "{:?}", String::from_utf8_lossy(content));
        hits[0].commit.clone()
    };
    assert_eq!(credited(b"only on an unmerged branch\n"), Some(feature));
    assert_eq!(credited(b"only under an annotated tag\n"), Some(tagged));
    assert_eq!(credited(b"only on a detached HEAD\n"), Some(detached));
    assert_eq!(credited(b"a blob named directly by a tag\n"), None);
    assert_eq!(stats.commits, 4);
    assert_eq!(stats.unreachable_blobs, 0);
    let ids: BTreeSet<String> = visits.iter().map(|v| v.blob.clone()).collect();
    assert_eq!(ids, repo.git_reachable_blobs());
}

#[test]
fn a_merge_is_credited_only_with_what_it_resolved() {
    let mut repo = Repo::new();
    repo.write("shared.txt", "base\n");
    repo.commit("base");
    repo.git(&["switch", "-q", "-c", "feature"]);
    repo.write("shared.txt", "feature side\n");
    repo.write("feature-only.txt", "from feature\n");
    let feature = repo.commit("feature edit");
    repo.git(&["switch", "-q", "main"]);
    repo.write("shared.txt", "main side\n");
    let main = repo.commit("main edit");

    repo.git_may_fail(&["merge", "-q", "feature"]);
    repo.write("shared.txt", "resolved by hand\n");
    let merge = repo.commit("merge feature");
    assert_eq!(repo.rev("HEAD^2"), feature, "a real two-parent merge");

    let (visits, stats) = scan(repo.path(), &reachable());

    let credited = |content: &[u8]| {
        let hits = visits_of(&visits, content);
        assert_eq!(hits.len(), 1, "{:?}", String::from_utf8_lossy(content));
        hits[0].commit.clone()
    };
    assert_eq!(credited(b"from feature\n"), Some(feature.clone()));
    assert_eq!(credited(b"feature side\n"), Some(feature));
    assert_eq!(credited(b"main side\n"), Some(main));
    assert_eq!(credited(b"resolved by hand\n"), Some(merge));
    assert_eq!(stats.commits, 4);
    assert_eq!(stats.blobs, 5);
}

#[test]
fn parents_come_first_even_when_commit_times_go_backwards() {
    let mut repo = Repo::new();
    // A child dated before its parent: a skewed clock, or a rebase keeping old dates.
    repo.set_clock(support::START + 10 * 86_400);
    repo.write("a.txt", "root content\n");
    let root = repo.commit("root");
    repo.set_clock(support::START);
    repo.write("a.txt", "child content\n");
    repo.write("b.txt", "root content\n");
    let child = repo.commit("child");

    let (visits, _) = scan(repo.path(), &reachable());

    let root_blob = visits_of(&visits, b"root content\n");
    assert_eq!(root_blob.len(), 1);
    assert_eq!(root_blob[0].commit.as_deref(), Some(root.as_str()));
    assert_eq!(root_blob[0].path.as_deref(), Some("a.txt"));
    let child_blob = visits_of(&visits, b"child content\n");
    assert_eq!(child_blob[0].commit.as_deref(), Some(child.as_str()));
}
