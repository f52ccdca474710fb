//! Rust regexes (the `regex` crate, which rsigma compiles `|re` values and wildcards into) as
//! RE2 patterns for ClickHouse's `match`.
//!
//! Only a subset is taken, parsed here and written out again: literals, `.`, classes of
//! characters and ranges, groups, alternation, repetition, `^`/`$`/`\A`/`\z`, Perl classes and
//! word boundaries, and flags `i`, `m`, `s`, `U` set at the very start (rsigma's `build_regex`
//! puts them there; wildcards compile to `(?i)^…$`). Anything else — Unicode classes,
//! set operations, mid-pattern flags, octal or named escapes — is declined. Neither engine
//! has lookaround or back-references.
//!
//! Where the two engines read the same pattern differently, the translation either rewrites
//! it or says when the answer is unsure:
//! - ClickHouse's `.` matches `\n`; Rust's does not without `s`. `.` is written `[^\n]`.
//! - `\d`, `\w`, `\s`, `\b` are Unicode-aware in Rust and ASCII-only in RE2 (and RE2's `\s`
//!   lacks `\v`): they are written as ASCII classes, exact on ASCII text only.
//! - Case folding under `i` follows each engine's Unicode tables. Only two non-ASCII characters
//!   fold to ASCII letters, U+212A (Kelvin sign, `k`) and U+017F (long s, `s`), and both engines
//!   know them, so an ASCII pattern folds alike on any text; a case-insensitive pattern with
//!   non-ASCII characters is exact on ASCII text only.
//! - Characters are written as themselves, not `\x{…}`: this RE2 does not match `\x{212A}`.
//! - Flags are written as a group around the whole pattern (see `translate`).

use super::Decline;

/// A pattern for ClickHouse's `match`, and on which text it answers as Rust's regex would.
#[derive(Debug, Clone)]
pub(crate) struct Re2 {
    pub(crate) pattern: String,
    /// The `i` flag.
    pub(crate) ci: bool,
    /// The pattern holds non-ASCII characters.
    pub(crate) non_ascii: bool,
    /// The pattern uses Perl classes or word boundaries.
    pub(crate) perl: bool,
}

impl Re2 {
    /// Whether the answer is Rust's on any text, or on ASCII text only. `lowered`: the text
    /// is the haystack lower-cased (see `text::fold_ascii`), which keeps only ASCII exact.
    pub(crate) fn exact_on_any_text(&self, lowered: bool) -> bool {
        !self.perl && !(self.non_ascii && (self.ci || lowered))
    }
}

/// Repetition counts RE2 accepts.
const MAX_REPEAT: u32 = 1000;

pub(crate) fn translate(rust: &str) -> Result<Re2, Decline> {
    let unsupported = |what: &str| Decline::new(format!("uses a regex with {what}"));
    let mut p = Parser {
        chars: rust.chars().collect(),
        at: 0,
        out: String::new(),
        dotall: false,
        non_ascii: false,
        perl: false,
        depth: 0,
        after_atom: false,
    };
    let (mut ci, mut multi) = (false, false);
    // rsigma's `build_regex` writes `(?ims)` before the rule's own pattern, which may open
    // with flags of its own.
    while p.peek_str("(?") {
        let close = p.chars[p.at..].iter().position(|&c| c == ')');
        let Some(close) = close else { break };
        let flags: String = p.chars[p.at + 2..p.at + close].iter().collect();
        if flags.is_empty() || !flags.chars().all(|c| "imsU".contains(c)) {
            break;
        }
        ci |= flags.contains('i');
        multi |= flags.contains('m');
        p.dotall |= flags.contains('s');
        // `U` swaps greediness, which changes no match/no-match answer.
        p.at += close + 1;
    }
    p.sequence().map_err(unsupported)?;
    if p.at != p.chars.len() || p.depth != 0 {
        return Err(unsupported("unbalanced groups"));
    }
    // As a group around the whole pattern: ClickHouse 18.16 looks for a pattern's literal
    // text before running RE2, and with a leading `(?i)` it looks for it case-sensitively
    // (`match('Dana', '(?i)dana')` is 0); with `(?i:…)` it does not.
    let flags = match (ci, multi) {
        (true, true) => "im",
        (true, false) => "i",
        (false, true) => "m",
        (false, false) => "",
    };
    let pattern = match flags {
        "" => p.out,
        flags => format!("(?{flags}:{})", p.out),
    };
    Ok(Re2 {
        pattern,
        ci,
        non_ascii: p.non_ascii,
        perl: p.perl,
    })
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    out: String,
    dotall: bool,
    non_ascii: bool,
    perl: bool,
    depth: usize,
    /// The last thing written can take a repetition.
    after_atom: bool,
}

/// Characters Rust's `regex::escape` escapes, which both engines read escaped as themselves.
const META: &str = "\\.+*?()|[]{}^$#&-~";

type Step = Result<(), &'static str>;

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_str(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.at + i) == Some(&c))
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    /// Everything up to the end or a `)` closing the current group.
    fn sequence(&mut self) -> Step {
        while let Some(c) = self.peek() {
            match c {
                ')' if self.depth > 0 => return Ok(()),
                ')' => return Err("unbalanced groups"),
                '(' => self.group()?,
                '|' => {
                    self.at += 1;
                    self.out.push('|');
                    self.after_atom = false;
                }
                '*' | '+' | '?' | '{' => self.repeat()?,
                '[' => {
                    self.at += 1;
                    self.class()?;
                    self.after_atom = true;
                }
                '.' => {
                    self.at += 1;
                    self.out
                        .push_str(if self.dotall { "(?s:.)" } else { "[^\\n]" });
                    self.after_atom = true;
                }
                '^' | '$' => {
                    self.at += 1;
                    self.out.push(c);
                    self.after_atom = false;
                }
                '\\' => {
                    self.at += 1;
                    self.escape()?;
                }
                c => {
                    self.at += 1;
                    self.literal(c);
                }
            }
        }
        Ok(())
    }

    fn group(&mut self) -> Step {
        self.at += 1;
        if self.peek() == Some('?') {
            if self.peek_str("?:") {
                self.at += 2;
            } else if self.peek_str("?P<") || self.peek_str("?<") {
                let close = self.chars[self.at..].iter().position(|&c| c == '>');
                let close = close.ok_or("an unclosed group name")?;
                self.at += close + 1;
            } else {
                return Err("flags or a group kind past the start");
            }
        }
        self.out.push_str("(?:");
        self.depth += 1;
        self.after_atom = false;
        self.sequence()?;
        if self.next() != Some(')') {
            return Err("unbalanced groups");
        }
        self.depth -= 1;
        self.out.push(')');
        self.after_atom = true;
        Ok(())
    }

    fn repeat(&mut self) -> Step {
        if !self.after_atom {
            return Err("a repetition of nothing or of a repetition");
        }
        let c = self.next().expect("peeked");
        if c == '{' {
            let close = self.chars[self.at..].iter().position(|&c| c == '}');
            let close = close.ok_or("an unclosed counted repetition")?;
            let inner: String = self.chars[self.at..self.at + close].iter().collect();
            let (lo, hi) = match inner.split_once(',') {
                None => (inner.as_str(), Some(inner.as_str())),
                Some((lo, "")) => (lo, None),
                Some((lo, hi)) => (lo, Some(hi)),
            };
            let count = |s: &str| {
                s.parse::<u32>()
                    .ok()
                    .filter(|n| *n <= MAX_REPEAT && s.bytes().all(|b| b.is_ascii_digit()))
            };
            let lo = count(lo).ok_or("a counted repetition RE2 cannot take")?;
            let hi = match hi {
                None => None,
                Some(h) => Some(count(h).ok_or("a counted repetition RE2 cannot take")?),
            };
            if hi.is_some_and(|h| h < lo) {
                return Err("a counted repetition RE2 cannot take");
            }
            self.at += close + 1;
            match hi {
                Some(h) if h == lo => self.out.push_str(&format!("{{{lo}}}")),
                Some(h) => self.out.push_str(&format!("{{{lo},{h}}}")),
                None => self.out.push_str(&format!("{{{lo},}}")),
            }
        } else {
            self.out.push(c);
        }
        if self.peek() == Some('?') {
            self.at += 1;
            self.out.push('?');
        }
        self.after_atom = false;
        Ok(())
    }

    fn escape(&mut self) -> Step {
        let c = self.next().ok_or("a trailing backslash")?;
        match c {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                self.perl = true;
                let (negated, members) = perl_class(c);
                self.out.push('[');
                if negated {
                    self.out.push('^');
                }
                self.out.push_str(members);
                self.out.push(']');
                self.after_atom = true;
            }
            'b' | 'B' => {
                if self.peek() == Some('{') {
                    return Err("a named word boundary");
                }
                self.perl = true;
                self.out.push('\\');
                self.out.push(c);
                self.after_atom = false;
            }
            'A' | 'z' => {
                self.out.push('\\');
                self.out.push(c);
                self.after_atom = false;
            }
            _ => {
                let ch = self.escaped_char(c)?;
                self.literal(ch);
            }
        }
        Ok(())
    }

    /// The character an escape (its letter `c` already read) stands for.
    fn escaped_char(&mut self, c: char) -> Result<char, &'static str> {
        Ok(match c {
            c if META.contains(c) => c,
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'f' => '\x0C',
            'v' => '\x0B',
            'a' => '\x07',
            'x' | 'u' | 'U' => self.hex(c)?,
            _ => return Err("an escape sequence glir does not translate"),
        })
    }

    /// `\xHH`, `\uHHHH`, `\UHHHHHHHH`, or any of them with `{…}`.
    fn hex(&mut self, kind: char) -> Result<char, &'static str> {
        let digits: String = if self.peek() == Some('{') {
            let close = self.chars[self.at..].iter().position(|&c| c == '}');
            let close = close.ok_or("an unclosed hex escape")?;
            let d = self.chars[self.at + 1..self.at + close].iter().collect();
            self.at += close + 1;
            d
        } else {
            let n = match kind {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let d: String = self.chars.iter().skip(self.at).take(n).collect();
            if d.chars().count() != n {
                return Err("a short hex escape");
            }
            self.at += n;
            d
        };
        u32::from_str_radix(&digits, 16)
            .ok()
            .filter(|_| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit()))
            .and_then(char::from_u32)
            .ok_or("a hex escape that is no character")
    }

    fn literal(&mut self, c: char) {
        push_char(&mut self.out, c, &mut self.non_ascii);
        self.after_atom = true;
    }

    /// A bracketed class, its `[` already read.
    fn class(&mut self) -> Step {
        self.out.push('[');
        if self.peek() == Some('^') {
            self.at += 1;
            self.out.push('^');
        }
        let mut first = true;
        loop {
            let c = self.next().ok_or("an unclosed class")?;
            let lo = match c {
                ']' if !first => break,
                '[' => return Err("a nested or POSIX class"),
                '&' | '-' | '~' if self.peek() == Some(c) => return Err("class set operations"),
                '\\' => {
                    let e = self.next().ok_or("a trailing backslash")?;
                    if "dwsDWS".contains(e) {
                        let (negated, members) = perl_class(e);
                        if negated {
                            return Err("a negated Perl class inside a class");
                        }
                        self.perl = true;
                        self.out.push_str(members);
                        first = false;
                        continue;
                    }
                    self.escaped_char(e)?
                }
                c => c,
            };
            first = false;
            push_class_char(&mut self.out, lo, &mut self.non_ascii);
            // A range, unless the `-` is the last thing before `]`.
            if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|&c| c != ']') {
                self.at += 1;
                let hi = match self.next().ok_or("an unclosed class")? {
                    '\\' => {
                        let e = self.next().ok_or("a trailing backslash")?;
                        self.escaped_char(e)?
                    }
                    '[' => return Err("a nested or POSIX class"),
                    c => c,
                };
                if hi < lo {
                    return Err("an inverted range");
                }
                self.out.push('-');
                push_class_char(&mut self.out, hi, &mut self.non_ascii);
            }
        }
        self.out.push(']');
        Ok(())
    }
}

/// A Perl class as ASCII class members, and whether it is negated.
fn perl_class(c: char) -> (bool, &'static str) {
    let members = match c.to_ascii_lowercase() {
        'd' => "0-9",
        'w' => "0-9A-Za-z_",
        // Rust's Unicode `\s` includes `\v`, which RE2's `\s` lacks.
        _ => "\\t\\n\\x0B\\f\\r ",
    };
    (c.is_ascii_uppercase(), members)
}

/// `c` as a literal, in a class or out of one.
fn push_char(out: &mut String, c: char, non_ascii: &mut bool) {
    if !c.is_ascii() {
        *non_ascii = true;
        out.push(c);
    } else if META.contains(c) {
        out.push('\\');
        out.push(c);
    } else if c.is_ascii_graphic() || c == ' ' {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{:02X}", c as u32));
    }
}

/// `c` as a member of a class.
fn push_class_char(out: &mut String, c: char, non_ascii: &mut bool) {
    push_char(out, c, non_ascii);
}
