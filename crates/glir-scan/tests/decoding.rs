//! One decoding pipeline for every source: a CI job log saved as a file is cleaned by content,
//! and encoded layers (base64, double base64) are read in any file, Kubernetes secrets included.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use glir_scan::{Encoding, Finding, Layer};

fn line_of(f: &Finding) -> usize {
    match &f.location {
        glir_scan::Location::File { line, .. } => *line,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_job_log_saved_as_a_file_is_cleaned_and_decoded() {
    let t = common::routable_pat(21);
    let (head, tail) = t.split_at(12);
    let once = STANDARD.encode(format!("GITLAB_TOKEN={t}\n"));
    let twice = STANDARD.encode(STANDARD.encode(format!("export TOKEN={t}\n")));
    let log = format!(
        "\x1b[0KRunning with gitlab-runner 17.5.0\n\
         section_start:1733570000:step_script\r\x1b[0K\x1b[36;1m$ echo {head}\x1b[0;m{tail}\n\
         $ env | base64 -w0\n{once}\n\
         $ env | base64 -w0 | base64 -w0\n{twice}\n\
         section_end:1733570001:step_script\r\x1b[0K{t}\n"
    );
    let found = common::scan_one_file("job-4711.log", log.as_bytes());
    let seen: Vec<(usize, Encoding)> = found.iter().map(|f| (line_of(f), f.encoding)).collect();
    assert_eq!(
        seen,
        [
            (2, Encoding::PLAIN),
            (7, Encoding::PLAIN),
            (4, Encoding::of(&[Layer::Base64])),
            (6, Encoding::of(&[Layer::Base64, Layer::Base64])),
        ],
        "the colour-split token, the one after a section marker, and both encoded dumps"
    );
    assert!(found.iter().all(|f| f.invalid.is_none()));
}

#[test]
fn a_kubernetes_secret_data_value_is_decoded() {
    let t = common::routable_pat(22);
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gitlab\ntype: Opaque\ndata:\n  token: {}\n",
        STANDARD.encode(&t)
    );
    let found = common::scan_one_file("secret.yaml", manifest.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].encoding, Encoding::of(&[Layer::Base64]));
    assert_eq!(line_of(&found[0]), 7);
    assert_eq!(found[0].fingerprint, glir_redact::fingerprint(&t));
}

#[test]
fn plain_files_without_escape_codes_are_not_rewritten() {
    let t = common::routable_pat(23);
    // An escape-free file keeps its columns: the token is found where it is.
    let found = common::scan_one_file("app.env", format!("A=1\nGITLAB_TOKEN={t}\n").as_bytes());
    assert_eq!(found.len(), 1);
    assert_eq!(line_of(&found[0]), 2);
    match &found[0].location {
        glir_scan::Location::File { column, .. } => assert_eq!(*column, 14),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrapped_dumps_in_a_job_log_are_joined_before_decoding() {
    let t = common::routable_pat(24);
    let hex = hex::encode(format!("GITLAB_TOKEN={t}\n"));
    let xxd: Vec<&str> = hex
        .as_bytes()
        .chunks(60)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    assert!(xxd.len() >= 2);
    let b64 = STANDARD.encode(format!(
        "export CI_REGISTRY_PASSWORD=x\nexport GITLAB_TOKEN={t}\n"
    ));
    let wrapped: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    assert!(wrapped.len() >= 2);
    let plain_log = format!(
        "\x1b[32;1m$ printenv GITLAB_TOKEN | xxd -p\x1b[0;m\n{}\n\x1b[32;1m$ env | base64\x1b[0;m\n{}\ndone\n",
        xxd.join("\n"),
        wrapped.join("\n")
    );
    // The same log with job log timestamps on: every line carries the runner's prefix.
    let stamped: String = plain_log
        .lines()
        .enumerate()
        .map(|(i, line)| format!("2024-09-10T11:14:{:02}.049653Z 00O {line}\n", i % 60))
        .collect();
    for log in [plain_log, stamped] {
        let found = common::scan_one_file("job.log", log.as_bytes());
        let seen: Vec<(usize, Encoding)> = found.iter().map(|f| (line_of(f), f.encoding)).collect();
        assert_eq!(
            seen,
            vec![
                (2, Encoding::of(&[Layer::Hex])),
                (3 + xxd.len(), Encoding::of(&[Layer::Base64])),
            ],
            "{log}"
        );
        assert!(
            found
                .iter()
                .all(|f| f.fingerprint == glir_redact::fingerprint(&t))
        );
    }
}
