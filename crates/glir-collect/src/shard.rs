//! One of N disjoint parts of a listing, for a scan split over processes or hosts: every part
//! lists the same items and keeps only its own, so the parts never overlap and together are
//! the whole.

use std::fmt;
use std::str::FromStr;

/// Part `index` of `count` (1-based): the items whose stable number `n` gives
/// `n mod count + 1 == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// Why a shard was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not two whole numbers around a slash.
    #[error("expected I/N (part I of N, 1 ≤ I ≤ N), e.g. 2/4")]
    Form,
    /// `N` is 0.
    #[error("I/N needs N of at least 1")]
    NoParts,
    /// `I` is 0 or above `N`.
    #[error("part {index} of {count} does not exist: I/N needs 1 ≤ I ≤ N")]
    OutOfRange {
        /// The part asked for.
        index: u32,
        /// The number of parts.
        count: u32,
    },
}

impl Shard {
    /// Part `index` (1-based) of `count`.
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        if count == 0 {
            return Err(ShardError::NoParts);
        }
        if index == 0 || index > count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// The part, 1-based.
    pub fn index(self) -> u32 {
        self.index
    }

    /// How many parts there are.
    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether the item numbered `n` (a stable number: a project id, a hash) is in this part.
    pub fn owns(self, n: u64) -> bool {
        n % u64::from(self.count) + 1 == u64::from(self.index)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let (index, count) = s.split_once('/').ok_or(ShardError::Form)?;
        let number = |t: &str| t.trim().parse::<u32>().map_err(|_| ShardError::Form);
        Shard::new(number(index)?, number(count)?)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_parsed_and_refused_in_plain_words() {
        assert_eq!("2/4".parse(), Shard::new(2, 4));
        assert_eq!(
            "1/1".parse::<Shard>().map(|s| s.to_string()),
            Ok("1/1".into())
        );
        assert_eq!(
            "0/3".parse::<Shard>(),
            Err(ShardError::OutOfRange { index: 0, count: 3 })
        );
        assert_eq!(
            "4/3".parse::<Shard>(),
            Err(ShardError::OutOfRange { index: 4, count: 3 })
        );
        assert_eq!("1/0".parse::<Shard>(), Err(ShardError::NoParts));
        for bad in ["x", "", "2", "/3", "2/", "-1/3", "1/3/4", "a/b", "1.5/3"] {
            assert_eq!(bad.parse::<Shard>(), Err(ShardError::Form), "{bad:?}");
        }
    }

    #[test]
    fn every_number_is_in_exactly_one_part() {
        for count in 1..=7 {
            for n in 0..200u64 {
                let owners: Vec<u32> = (1..=count)
                    .filter(|&i| Shard::new(i, count).unwrap().owns(n))
                    .collect();
                assert_eq!(
                    owners,
                    [(n % u64::from(count)) as u32 + 1],
                    "{n} of {count}"
                );
            }
        }
    }
}
