//! Decoding layers for job logs: base64 (standard and URL-safe, two layers deep), hex and
//! percent-encoded runs, each decoded only when the result reads as text.

use std::ops::Range;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};

/// One layer of encoding a secret was hidden under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// A base64 run (standard or URL-safe alphabet).
    Base64,
    /// A hex-encoded run.
    Hex,
    /// A percent-encoded (URL-encoded) run.
    Percent,
    /// A JSON string's escapes (`\/`, `\uXXXX`, `\"`): captured API responses, HAR files.
    JsonEscaped,
}

impl Layer {
    /// The word for the layer in reports and in `encoding` chains.
    pub fn label(self) -> &'static str {
        match self {
            Layer::Base64 => "base64",
            Layer::Hex => "hex",
            Layer::Percent => "url-encoded",
            Layer::JsonEscaped => "json-escaped",
        }
    }

    fn from_label(label: &str) -> Option<Layer> {
        [
            Layer::Base64,
            Layer::Hex,
            Layer::Percent,
            Layer::JsonEscaped,
        ]
        .into_iter()
        .find(|layer| layer.label() == label)
    }
}

/// Layers one finding can sit under: a JSON string's escapes around two decoded layers.
pub const MAX_LAYERS: usize = 3;

/// The layers a secret was found under, outermost first; none when it is written as is.
/// Reads as `plain`, `base64`, `base64>base64` (an `env | base64 -w0 | base64 -w0` dump),
/// `json-escaped>hex`: what a responder must undo to see the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Encoding {
    layers: [Option<Layer>; MAX_LAYERS],
}

impl Encoding {
    /// As written.
    pub const PLAIN: Encoding = Encoding {
        layers: [None; MAX_LAYERS],
    };

    /// The chain of `layers`, outermost first; layers past [`MAX_LAYERS`] are not kept (the
    /// decoder never goes deeper).
    pub fn of(layers: &[Layer]) -> Encoding {
        let mut out = Encoding::PLAIN;
        for layer in layers {
            out = out.then(*layer);
        }
        out
    }

    /// This chain with `inner` decoded below it.
    #[must_use]
    pub fn then(self, inner: Layer) -> Encoding {
        let mut out = self;
        if let Some(slot) = out.layers.iter_mut().find(|slot| slot.is_none()) {
            *slot = Some(inner);
        }
        out
    }

    /// This chain with `inner`'s layers decoded below it.
    #[must_use]
    pub(crate) fn chain(self, inner: Encoding) -> Encoding {
        inner.layers().fold(self, Encoding::then)
    }

    /// The layers, outermost first.
    pub fn layers(&self) -> impl Iterator<Item = Layer> + '_ {
        self.layers.iter().map_while(|layer| *layer)
    }

    /// Whether the secret is written as is.
    pub fn is_plain(&self) -> bool {
        self.layers[0].is_none()
    }

    /// `plain`, or the layers' labels joined by `>`, outermost first.
    pub fn label(&self) -> String {
        if self.is_plain() {
            return "plain".to_string();
        }
        self.layers()
            .map(Layer::label)
            .collect::<Vec<_>>()
            .join(">")
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

impl std::str::FromStr for Encoding {
    type Err = String;

    fn from_str(text: &str) -> Result<Encoding, String> {
        if text == "plain" {
            return Ok(Encoding::PLAIN);
        }
        let layers = text
            .split('>')
            .map(|label| {
                Layer::from_label(label).ok_or_else(|| format!("unknown encoding layer {label:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if layers.len() > MAX_LAYERS {
            return Err(format!(
                "more than {MAX_LAYERS} encoding layers in {text:?}"
            ));
        }
        Ok(Encoding::of(&layers))
    }
}

impl Serialize for Encoding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label())
    }
}

impl<'de> Deserialize<'de> for Encoding {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Encoding, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Shortest base64 run worth decoding (12 decoded bytes).
pub const MIN_BASE64: usize = 16;
/// Shortest hex run worth decoding.
const MIN_HEX: usize = 32;
/// Share of printable bytes a decoded run needs to count as text rather than binary.
const MIN_PRINTABLE: f64 = 0.9;
/// Layers decoded below the original text.
const MAX_DEPTH: u8 = 2;

mod gate;
pub(crate) mod json_escape;
mod runs;
pub(crate) mod wrapped;

pub(crate) use gate::EncodedKeywords;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Receives `(run, decoded, encoding)` for each decoded run.
pub type DecodedSink<'a> = dyn FnMut(Range<usize>, &[u8], Encoding) + 'a;

/// Call `on_decoded(run, decoded, encoding)` for every encoded run of `data` whose decoding
/// is text, and again for runs inside that text (one more layer). `run` is always the range
/// of the outermost run in `data`.
pub fn for_each_decoded(data: &[u8], on_decoded: &mut DecodedSink<'_>) {
    walk(data, 0, None, 1, on_decoded);
}

/// The outermost runs worth decoding for a scanner: the base64 and hex runs holding one of its
/// keywords encoded ([`EncodedKeywords`]).
pub(crate) fn gated_runs(data: &[u8], keywords: &EncodedKeywords) -> Runs {
    let (base64, hex) = keywords.runs(data);
    Runs { base64, hex }
}

/// [`for_each_decoded`] over the runs [`gated_runs`] picked; the text they decode to is walked
/// whole.
pub(crate) fn for_each_gated(data: &[u8], runs: Runs, on_decoded: &mut DecodedSink<'_>) {
    walk_runs(data, 0, None, 1, runs, on_decoded);
}

/// The runs of one layer to decode.
pub(crate) struct Runs {
    base64: Vec<Range<usize>>,
    hex: Vec<Range<usize>>,
}

impl Runs {
    /// Whether one of the runs is a whole line of a wrapped dump: then the dump's lines must be
    /// joined before anything in it decodes whole.
    pub(crate) fn has_wrapped_line(&self, data: &[u8]) -> bool {
        self.base64
            .iter()
            .chain(&self.hex)
            .any(|run| wrapped::is_wrapped_line(data, run))
    }
}

fn walk(
    data: &[u8],
    base: usize,
    outer: Option<(Range<usize>, Encoding)>,
    depth: u8,
    on_decoded: &mut DecodedSink<'_>,
) {
    let runs = Runs {
        base64: runs::base64(data),
        hex: runs::hex(data),
    };
    walk_runs(data, base, outer, depth, runs, on_decoded);
}

fn walk_runs(
    data: &[u8],
    base: usize,
    outer: Option<(Range<usize>, Encoding)>,
    depth: u8,
    found: Runs,
    on_decoded: &mut DecodedSink<'_>,
) {
    let mut visit = |range: Range<usize>, decoded: Vec<u8>, layer: Layer| {
        let (run, encoding) = match &outer {
            None => (base + range.start..base + range.end, Encoding::of(&[layer])),
            Some((run, encoding)) => (run.clone(), encoding.then(layer)),
        };
        on_decoded(run.clone(), &decoded, encoding);
        if depth < MAX_DEPTH {
            walk(&decoded, 0, Some((run, encoding)), depth + 1, on_decoded);
        }
    };
    for range in found.base64 {
        if let Some(decoded) = decode_base64(&data[range.clone()]) {
            visit(range, decoded, Layer::Base64);
        }
    }
    for range in found.hex {
        if let Some(decoded) = decode_hex(&data[range.clone()]) {
            visit(range, decoded, Layer::Hex);
        }
    }
    for range in runs::percent(data) {
        if let Some(decoded) = decode_percent(&data[range.clone()]) {
            visit(range, decoded, Layer::Percent);
        }
    }
}

/// `encoded` decoded as one run of `layer`, when the result is text.
pub(crate) fn decode_text(encoded: &[u8], layer: Layer) -> Option<Vec<u8>> {
    match layer {
        Layer::Base64 => decode_base64(encoded),
        Layer::Hex => decode_hex(encoded),
        Layer::Percent => decode_percent(encoded),
        Layer::JsonEscaped => json_escape::unescape(encoded).map(|u| u.text),
    }
}

fn decode_base64(run: &[u8]) -> Option<Vec<u8>> {
    if run.len() < MIN_BASE64 {
        return None;
    }
    let url_safe = run.iter().any(|b| matches!(b, b'-' | b'_'));
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    engine.decode(run).ok().filter(|d| is_text(d))
}

fn decode_hex(run: &[u8]) -> Option<Vec<u8>> {
    let even = &run[..run.len() - run.len() % 2];
    if even.len() < MIN_HEX {
        return None;
    }
    hex::decode(even).ok().filter(|d| is_text(d))
}

fn decode_percent(run: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(run.len());
    let mut i = 0;
    while i < run.len() {
        if run[i] == b'%'
            && let Some(byte) = run
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(run[i]);
            i += 1;
        }
    }
    Some(out).filter(|d| is_text(d))
}

/// Printable ASCII and whitespace make up most of it: decoding produced text, not noise.
fn is_text(decoded: &[u8]) -> bool {
    if decoded.is_empty() {
        return false;
    }
    let printable = decoded
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        .count();
    printable as f64 / decoded.len() as f64 >= MIN_PRINTABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers(data: &[u8]) -> Vec<(Encoding, Vec<u8>)> {
        let mut out = Vec::new();
        for_each_decoded(data, &mut |_, decoded, encoding| {
            out.push((encoding, decoded.to_vec()));
        });
        out
    }

    #[test]
    fn base64_twice_is_double_base64() {
        let inner = base64::engine::general_purpose::STANDARD.encode("HOME=/root\nPATH=/bin\n");
        let outer = base64::engine::general_purpose::STANDARD.encode(&inner);
        let found = layers(format!("$ cat env.b64\n{outer}\n").as_bytes());
        assert!(
            found
                .iter()
                .any(|(e, d)| *e == Encoding::of(&[Layer::Base64]) && d == inner.as_bytes())
        );
        assert!(
            found
                .iter()
                .any(|(e, d)| *e == Encoding::of(&[Layer::Base64, Layer::Base64])
                    && d.starts_with(b"HOME=/root"))
        );
    }

    #[test]
    fn hex_and_percent_decode_but_binary_does_not() {
        let hexed = hex::encode("password=correct horse battery");
        assert!(
            layers(hexed.as_bytes())
                .iter()
                .any(|(e, _)| *e == Encoding::of(&[Layer::Hex]))
        );
        let found = layers(b"url=https%3A%2F%2Fuser%3Apw%40host");
        assert!(
            found
                .iter()
                .any(|(e, d)| *e == Encoding::of(&[Layer::Percent]) && d.ends_with(b"user:pw@host"))
        );
        // A git commit id is hex but decodes to binary.
        assert!(layers(b"commit 6f1ed002ab5595859014ebf0951522d9f8dd6b2c").is_empty());
    }
}
