//! What a write did.

use std::ops::AddAssign;

/// What one insert call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InsertStats {
    /// Events newly stored.
    pub inserted: u64,
    /// Events skipped because they were already stored.
    pub duplicates: u64,
}

impl AddAssign for InsertStats {
    fn add_assign(&mut self, other: InsertStats) {
        self.inserted += other.inserted;
        self.duplicates += other.duplicates;
    }
}
