use crate::Error;

const MAX_LEN: usize = 64;

/// Case names become directory names, so they must not climb out of the cases root.
pub(crate) fn validate(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= MAX_LEN
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn rejects_traversal_and_separators() {
        for bad in ["", "..", "../x", "a/b", ".hidden", "a b", &"x".repeat(65)] {
            assert!(validate(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["inc-2026-11-28", "token_leak.1", "A1"] {
            assert!(validate(good).is_ok(), "{good:?} rejected");
        }
    }
}
