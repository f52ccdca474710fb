//! Job artifact archives, built once when the simulator starts: real zip files (deflate), with
//! nested archives where the scenario asks for them.

use crate::error::SimError;
use crate::scenario::ArtifactFile;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// A zip archive of `files`; `field` names the scenario field in errors.
pub(crate) fn build(files: &[ArtifactFile], field: &str) -> Result<Vec<u8>, SimError> {
    let fail = |e: &dyn std::fmt::Display| SimError::Invalid {
        origin: "scenario".to_string(),
        field: field.to_string(),
        message: format!("cannot build the artifact archive: {e}"),
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (i, file) in files.iter().enumerate() {
        let bytes = match &file.content {
            Some(text) => text.clone().into_bytes(),
            None => build(&file.files, &format!("{field}[{i}].files"))?,
        };
        zip.start_file(file.path.as_str(), options)
            .map_err(|e| fail(&e))?;
        zip.write_all(&bytes).map_err(|e| fail(&e))?;
    }
    let cursor = zip.finish().map_err(|e| fail(&e))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn file(path: &str, content: &str) -> ArtifactFile {
        ArtifactFile {
            path: path.to_string(),
            content: Some(content.to_string()),
            files: Vec::new(),
        }
    }

    #[test]
    fn nested_archives_read_back() {
        let files = vec![
            file(".env", "A=1\n"),
            ArtifactFile {
                path: "inner.zip".to_string(),
                content: None,
                files: vec![file("deep/secret.txt", "s3cret\n")],
            },
        ];
        let bytes = build(&files, "jobs[0].artifacts").expect("zip");
        let mut outer = zip::ZipArchive::new(Cursor::new(bytes)).expect("outer");
        let mut env = String::new();
        outer
            .by_name(".env")
            .expect(".env")
            .read_to_string(&mut env)
            .expect("read");
        assert_eq!(env, "A=1\n");
        let mut inner_bytes = Vec::new();
        outer
            .by_name("inner.zip")
            .expect("inner")
            .read_to_end(&mut inner_bytes)
            .expect("read");
        let mut inner = zip::ZipArchive::new(Cursor::new(inner_bytes)).expect("inner zip");
        let mut secret = String::new();
        inner
            .by_name("deep/secret.txt")
            .expect("deep")
            .read_to_string(&mut secret)
            .expect("read");
        assert_eq!(secret, "s3cret\n");
    }
}
