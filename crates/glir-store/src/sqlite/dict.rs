//! Dictionaries for the repeated, filterable values of an event (author, entity, IP, types,
//! source). Events store small integer references: integer index keys are cheaper to maintain
//! than text ones, and one author reference covers the id, name and email an actor filter needs.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// A dictionary key as borrowed from an event: up to one integer and two strings.
pub(crate) type View<'a> = (Option<i64>, Option<&'a str>, Option<&'a str>);
type Owned = (Option<i64>, Option<Box<str>>, Option<Box<str>>);

/// Kinds of the `terms` dictionary, stored as integers in `terms.kind`.
pub(crate) const SOURCE: i64 = 0;
pub(crate) const EVENT_TYPE: i64 = 1;
pub(crate) const TARGET_TYPE: i64 = 2;
pub(crate) const IP: i64 = 3;

/// How to find and add a key; statements take the key's first `arity` parts as ?1, ?2, ?3.
pub(crate) struct Table {
    select: &'static str,
    insert: &'static str,
    arity: usize,
}

pub(crate) const AUTHORS: Table = Table {
    select: "SELECT id FROM authors WHERE author_id IS ?1 AND name IS ?2 AND email IS ?3",
    insert: "INSERT INTO authors (author_id, name, email) VALUES (?1, ?2, ?3)",
    arity: 3,
};
pub(crate) const ENTITIES: Table = Table {
    select: "SELECT id FROM entities WHERE entity_id IS ?1 AND entity_type IS ?2 AND path IS ?3",
    insert: "INSERT INTO entities (entity_id, entity_type, path) VALUES (?1, ?2, ?3)",
    arity: 3,
};
pub(crate) const TERMS: Table = Table {
    select: "SELECT id FROM terms WHERE kind = ?1 AND value = ?2",
    insert: "INSERT INTO terms (kind, value) VALUES (?1, ?2)",
    arity: 2,
};

/// A multiply-rotate hasher (the FxHash scheme): every event does six dictionary lookups, and
/// SipHash's flooding resistance buys nothing for keys read from the investigator's own files.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in words.by_ref() {
            self.mix(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word));
        }
    }

    // `Option` and `str` hash a discriminant and a terminator byte: mixing them directly skips
    // the byte-slice path above.
    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.mix(n as u64);
    }

    fn write_i64(&mut self, n: i64) {
        self.mix(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FxBuild = BuildHasherDefault<Fx>;

/// An in-memory cache of one dictionary table, keyed by a hash of the borrowed view so a hit
/// costs no allocation.
pub(crate) struct Dict {
    table: &'static Table,
    hasher: FxBuild,
    buckets: HashMap<u64, Vec<(Owned, i64)>, FxBuild>,
    /// Ids this cache added inside the open transaction; forgotten if it rolls back.
    added: Vec<(u64, i64)>,
}

impl Dict {
    pub(crate) fn new(table: &'static Table) -> Dict {
        Dict {
            table,
            hasher: FxBuild::default(),
            buckets: HashMap::default(),
            added: Vec::new(),
        }
    }

    /// The id of `view`, adding it to the table inside the caller's transaction if needed.
    pub(crate) fn resolve(&mut self, conn: &Connection, view: View<'_>) -> rusqlite::Result<i64> {
        let hash = self.hasher.hash_one(view);
        let cached = self.buckets.get(&hash).and_then(|bucket| {
            bucket
                .iter()
                .find(|(key, _)| as_view(key) == view)
                .map(|(_, id)| *id)
        });
        if let Some(id) = cached {
            return Ok(id);
        }
        let params = [
            view.0.map_or(SqlValue::Null, SqlValue::Integer),
            text(view.1),
            text(view.2),
        ];
        let params = &params[..self.table.arity];
        let found: Option<i64> = conn
            .prepare_cached(self.table.select)?
            .query_row(params_from_iter(params), |row| row.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                conn.prepare_cached(self.table.insert)?
                    .execute(params_from_iter(params))?;
                let id = conn.last_insert_rowid();
                self.added.push((hash, id));
                id
            }
        };
        let owned = (view.0, view.1.map(Box::from), view.2.map(Box::from));
        self.buckets.entry(hash).or_default().push((owned, id));
        Ok(id)
    }

    pub(crate) fn committed(&mut self) {
        self.added.clear();
    }

    /// Rows added in a rolled-back transaction no longer exist; their ids must not be reused.
    pub(crate) fn rolled_back(&mut self) {
        for (hash, id) in self.added.drain(..) {
            if let Some(bucket) = self.buckets.get_mut(&hash) {
                bucket.retain(|(_, cached)| *cached != id);
            }
        }
    }
}

fn as_view(key: &Owned) -> View<'_> {
    (key.0, key.1.as_deref(), key.2.as_deref())
}

fn text(s: Option<&str>) -> SqlValue {
    s.map_or(SqlValue::Null, |s| SqlValue::Text(s.to_owned()))
}

/// The caches of every dictionary of one store connection.
pub(crate) struct Dicts {
    pub(crate) authors: Dict,
    pub(crate) entities: Dict,
    pub(crate) terms: Dict,
}

impl Dicts {
    pub(crate) fn new() -> Dicts {
        Dicts {
            authors: Dict::new(&AUTHORS),
            entities: Dict::new(&ENTITIES),
            terms: Dict::new(&TERMS),
        }
    }

    pub(crate) fn committed(&mut self) {
        self.authors.committed();
        self.entities.committed();
        self.terms.committed();
    }

    pub(crate) fn rolled_back(&mut self) {
        self.authors.rolled_back();
        self.entities.rolled_back();
        self.terms.rolled_back();
    }
}
