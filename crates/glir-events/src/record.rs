//! One record's top-level fields in a parsed JSON object, taken out one by one as the parser
//! maps them (the text path, `fast`, reads REST and stream records without this).

use crate::error::ParseError;
use crate::render::{as_i64, into_text};
use serde_json::{Map, Value};

/// Top-level fields of one record; taking a field removes it.
pub(crate) trait Record {
    fn timestamp(&self, key: &'static str) -> Result<jiff::Timestamp, ParseError>;
    fn take(&mut self, key: &str) -> Option<Value>;
    /// [`into_text`] of the field: strings as they are, scalars as written.
    fn take_text(&mut self, key: &str) -> Option<String> {
        self.take(key).and_then(into_text)
    }
    /// [`as_i64`] of the field.
    fn take_i64(&mut self, key: &str) -> Option<i64> {
        self.take(key).as_ref().and_then(as_i64)
    }
}

impl Record for Map<String, Value> {
    fn timestamp(&self, key: &'static str) -> Result<jiff::Timestamp, ParseError> {
        match self.get(key) {
            None | Some(Value::Null) => Err(ParseError::MissingField(key)),
            Some(Value::String(s)) => s.parse().map_err(|_| ParseError::InvalidTimestamp(key)),
            Some(_) => Err(ParseError::InvalidTimestamp(key)),
        }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.remove(key)
    }
}
