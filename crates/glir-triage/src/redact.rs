//! Secrets out of configuration files, names kept: `gitlab.rb` (Ruby) and the Rails `*.yml`
//! GitLab renders from it. A value is redacted when its key names a secret (password, secret,
//! token, key, credentials, …), whatever nests it: `gitlab_rails['db_password'] = '…'`,
//! `'password' => '…'` inside `ldap_servers`, `app_secret: '…'` in an OmniAuth provider, a
//! YAML `bind_password: …` in a heredoc. Private-key blocks, passwords in URLs and GitLab tokens
//! are redacted wherever they stand. Each redacted value becomes `[redacted sha256:…]` with
//! `glir_redact::fingerprint`, so two files (or two triages) holding the same secret can still
//! be compared. Lines are kept one for one: a line number in the copy is one in the original.
//!
//! This is a line scanner, not a Ruby parser: it knows quoted strings, `[...]` keys, `=`, `=>`,
//! `key:`, heredocs and YAML blocks. Rare forms (`%q()` literals, a secret split over string
//! concatenation) are not recognised; the original's hash is in the manifest.

use glir_redact::fingerprint;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `gitlab.rb`
    Ruby,
    /// `database.yml`, `gitlab.yml`, … and the YAML inside a `gitlab.rb` heredoc.
    Yaml,
}

/// The redacted text and how many values were taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub values: usize,
}

/// Redacts `text`, a whole configuration file.
pub fn redact_config(text: &str, syntax: Syntax) -> Redacted {
    let mut redactor = Redactor {
        syntax,
        heredoc: None,
        span: Span::None,
        values: 0,
    };
    let mut out = String::with_capacity(text.len());
    for raw in text.split_inclusive('\n') {
        let (line, end) = split_line_end(raw);
        let redacted = redactor.line(line);
        out.push_str(&glir_redact::scrub(&redacted));
        out.push_str(end);
    }
    Redacted {
        text: out,
        values: redactor.values,
    }
}

/// A process's command line with secret-looking arguments redacted: `--password=…`,
/// `--token …`, `key_secret=…`, passwords in URLs, GitLab tokens. Process listings are kept in
/// the bundle, and services take credentials as arguments more often than they should.
pub fn redact_command_line(cmdline: &str) -> String {
    let mut values = 0;
    let mut secret_flag = false;
    let words: Vec<String> = cmdline
        .split(' ')
        .map(|word| {
            let follows_flag = std::mem::take(&mut secret_flag);
            if let Some((key, value)) = word.split_once('=')
                && is_secret_key(key.trim_start_matches('-'))
                && !value.is_empty()
            {
                return format!("{key}={}", marker(value));
            }
            if word.starts_with('-') {
                secret_flag = is_secret_key(word.trim_start_matches('-'));
                return redact_url_passwords(word, &mut values);
            }
            if follows_flag && !word.is_empty() {
                return marker(word);
            }
            redact_url_passwords(word, &mut values)
        })
        .collect();
    glir_redact::scrub(&words.join(" ")).into_owned()
}

/// Whether a key's value is a secret: a word of it names one. Keys that hold a path to a
/// secret (`ssl_certificate_key`, `*_file`, `*_path`) keep their value, which is evidence.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    if key.contains("certificate")
        || ["_file", "_path", "_dir", "_directory"]
            .iter()
            .any(|s| key.ends_with(s))
    {
        return false;
    }
    key.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        ["password", "passwd", "secret", "token", "credential"]
            .iter()
            .any(|s| w.contains(s))
            || w.ends_with("key")
            || matches!(
                w,
                "keys" | "pass" | "pw" | "pwd" | "dsn" | "salt" | "private"
            )
    })
}

fn split_line_end(raw: &str) -> (&str, &str) {
    let body = raw.strip_suffix('\n').unwrap_or(raw);
    let body = body.strip_suffix('\r').unwrap_or(body);
    (body, &raw[body.len()..])
}

fn marker(value: &str) -> String {
    format!("[redacted {}]", fingerprint(value))
}

/// What the lines being read belong to, when it spans lines.
enum Span {
    None,
    /// The indented lines under a YAML key that names a secret (`key: |`, a nested list).
    Indented {
        indent: usize,
    },
    /// A string literal of a secret key that did not close on its line.
    OpenString {
        quote: char,
    },
    /// Between `-----BEGIN … PRIVATE KEY-----` and its `-----END`.
    PrivateKey,
}

/// A Ruby heredoc being read: its body is YAML (`ldap_servers`) unless the key names a
/// secret, when every line of it is redacted.
struct Heredoc {
    terminator: String,
    secret: bool,
}

const PEM_BEGIN: &str = "-----BEGIN";
const PEM_END: &str = "-----END";

struct Redactor {
    syntax: Syntax,
    heredoc: Option<Heredoc>,
    span: Span,
    values: usize,
}

impl Redactor {
    fn line(&mut self, line: &str) -> String {
        let mut syntax = self.syntax;
        if let Some(heredoc) = &self.heredoc {
            if line.trim() == heredoc.terminator {
                self.heredoc = None;
                self.span = Span::None;
                return line.to_string();
            }
            if heredoc.secret {
                return self.whole(line);
            }
            syntax = Syntax::Yaml;
        }
        match std::mem::replace(&mut self.span, Span::None) {
            Span::None => self.fresh_line(line, syntax),
            Span::PrivateKey => match line.find(PEM_END) {
                Some(at) => {
                    let end = pem_marker_end(line, at);
                    self.values += 1;
                    format!("{}{}", marker(&line[..end]), &line[end..])
                }
                None => {
                    self.span = Span::PrivateKey;
                    self.whole(line)
                }
            },
            Span::Indented { indent } => {
                if line.trim().is_empty() {
                    self.span = Span::Indented { indent };
                    return line.to_string();
                }
                if indentation(line) > indent {
                    self.span = Span::Indented { indent };
                    return self.whole(line);
                }
                self.fresh_line(line, syntax)
            }
            Span::OpenString { quote } => match find_close(line, 0, quote) {
                Some(close) => {
                    self.values += 1;
                    let mut out = marker(&line[..close]);
                    out.push(quote);
                    out.push_str(&self.scan(&line[close + quote.len_utf8()..], syntax));
                    out
                }
                None => {
                    self.span = Span::OpenString { quote };
                    self.whole(line)
                }
            },
        }
    }

    /// A line outside any block: a private key starting here, else the scanner.
    fn fresh_line(&mut self, line: &str, syntax: Syntax) -> String {
        if let Some(begin) = line.find(PEM_BEGIN)
            && line[begin..].contains("PRIVATE KEY")
        {
            let tail = &line[begin..];
            self.values += 1;
            return match tail.find(PEM_END) {
                Some(end_at) => {
                    let end = begin + pem_marker_end(tail, end_at);
                    format!(
                        "{}{}{}",
                        &line[..begin],
                        marker(&line[begin..end]),
                        &line[end..]
                    )
                }
                None => {
                    self.span = Span::PrivateKey;
                    format!("{}{}", &line[..begin], marker(tail))
                }
            };
        }
        let out = self.scan(line, syntax);
        if let Span::Indented { .. } = self.span {
            self.span = Span::Indented {
                indent: indentation(line),
            };
        }
        out
    }

    /// The line's text replaced, its indentation kept.
    fn whole(&mut self, line: &str) -> String {
        let indent = indentation(line);
        if line.trim().is_empty() {
            return line.to_string();
        }
        self.values += 1;
        format!("{}{}", &line[..indent], marker(line[indent..].trim_end()))
    }

    /// One line's keys and values, left to right.
    fn scan(&mut self, line: &str, syntax: Syntax) -> String {
        let mut out = String::with_capacity(line.len());
        // A key whose value comes next, and the last token that could be a key.
        let mut pending: Option<String> = None;
        let mut candidate: Option<String> = None;
        // Inside `= [ … ]` of a key: every string is its value.
        let mut array: Option<(String, usize)> = None;
        let mut i = 0;
        while i < line.len() {
            let rest = &line[i..];
            let Some(c) = rest.chars().next() else { break };
            match c {
                '\'' | '"' => {
                    let body_start = i + 1;
                    let close = find_close(line, body_start, c);
                    let body_end = close.unwrap_or(line.len());
                    let body = &line[body_start..body_end];
                    let after = close.map_or(line.len(), |e| e + 1);
                    let next = line[after..].trim_start();
                    let is_key = next.starts_with("=>")
                        || (next.starts_with(':') && !next.starts_with("::"))
                        || (next.starts_with(']') && pending.is_none() && array.is_none());
                    let value_key = if is_key {
                        candidate = Some(body.to_string());
                        None
                    } else {
                        pending
                            .take()
                            .or_else(|| array.as_ref().map(|(key, _)| key.clone()))
                    };
                    out.push(c);
                    match value_key {
                        Some(key) if is_secret_key(&key) && !body.is_empty() => {
                            self.values += 1;
                            out.push_str(&marker(body));
                            if close.is_none() {
                                self.span = Span::OpenString { quote: c };
                            }
                        }
                        _ => out.push_str(&redact_url_passwords(body, &mut self.values)),
                    }
                    if close.is_some() {
                        out.push(c);
                    }
                    i = after;
                }
                '=' if rest.starts_with("=>") => {
                    pending = candidate.take();
                    out.push_str("=>");
                    i += 2;
                }
                '=' if rest.starts_with("==") || rest.starts_with("=~") => {
                    candidate = None;
                    out.push_str(&rest[..2]);
                    i += 2;
                }
                '=' => {
                    pending = candidate.take();
                    out.push('=');
                    i += 1;
                }
                ':' if rest.starts_with("::") => {
                    candidate = None;
                    out.push_str("::");
                    i += 2;
                }
                ':' if candidate.is_some() => {
                    pending = candidate.take();
                    out.push(':');
                    i += 1;
                    if syntax == Syntax::Yaml {
                        i = self.yaml_value(line, i, &mut pending, &mut out);
                    }
                }
                ':' => {
                    // A Ruby symbol (`:password =>`) is a key like a string.
                    let len = ident_len(&rest[1..]);
                    candidate = (len > 0).then(|| rest[1..1 + len].to_string());
                    out.push_str(&rest[..1 + len]);
                    i += 1 + len;
                }
                '[' => {
                    if let Some(key) = pending.take() {
                        array = Some((key, 0));
                    } else if let Some((_, depth)) = &mut array {
                        *depth += 1;
                    }
                    out.push('[');
                    i += 1;
                }
                ']' => {
                    match &mut array {
                        Some((_, 0)) => array = None,
                        Some((_, depth)) => *depth -= 1,
                        None => {}
                    }
                    out.push(']');
                    i += 1;
                }
                '<' if rest.starts_with("<<") => {
                    i += self.heredoc(rest, pending.take(), &mut out);
                }
                c if c.is_ascii_alphanumeric() || c == '_' => {
                    let len = ident_len(rest).max(1);
                    let word = &rest[..len];
                    if pending.take().is_none() {
                        candidate = Some(word.to_string());
                    }
                    out.push_str(word);
                    i += len;
                }
                c if c.is_whitespace() => {
                    out.push(c);
                    i += c.len_utf8();
                }
                c => {
                    candidate = None;
                    if matches!(c, '{' | '(' | ',' | ';') {
                        pending = None;
                    }
                    out.push(c);
                    i += c.len_utf8();
                }
            }
        }
        out
    }

    /// After `key:` in YAML: a plain value (to the end of the line, a trailing comment
    /// aside) redacted if the key names a secret, a block under it followed. Returns where
    /// scanning goes on.
    fn yaml_value(
        &mut self,
        line: &str,
        at: usize,
        pending: &mut Option<String>,
        out: &mut String,
    ) -> usize {
        let rest = &line[at..];
        let value = rest.trim_start();
        let value_at = at + (rest.len() - value.len());
        if value.starts_with(['\'', '"']) {
            return at;
        }
        let Some(key) = pending.take() else {
            return at;
        };
        let value = match value.find(" #") {
            Some(c) => &value[..c],
            None => value,
        }
        .trim_end();
        if !is_secret_key(&key) {
            return at;
        }
        out.push_str(&line[at..value_at]);
        let block_start = value.is_empty()
            || value.starts_with('|')
            || value.starts_with('>')
            || value.starts_with('&');
        if block_start {
            self.span = Span::Indented { indent: 0 };
            out.push_str(value);
        } else if is_plain_scalar(value) {
            out.push_str(value);
        } else {
            self.values += 1;
            out.push_str(&marker(value));
        }
        value_at + value.len()
    }

    /// `<<~EOS`, `<<-'EOS'`, `<<EOS`: the body starts on the next line. Returns the length read.
    fn heredoc(&mut self, rest: &str, key: Option<String>, out: &mut String) -> usize {
        let after = &rest[2..];
        let flags = after.len() - after.trim_start_matches(['-', '~']).len();
        let quoted = &after[flags..];
        let quote = quoted.chars().next().filter(|q| matches!(q, '\'' | '"'));
        let name_at = quote.map_or(0, char::len_utf8);
        let len = ident_len(&quoted[name_at..]);
        if len == 0 {
            out.push_str("<<");
            return 2;
        }
        let terminator = quoted[name_at..name_at + len].to_string();
        let close = quote.map_or(0, |q| usize::from(quoted[name_at + len..].starts_with(q)));
        let used = 2 + flags + name_at + len + close;
        self.heredoc = Some(Heredoc {
            terminator,
            secret: key.as_deref().is_some_and(is_secret_key),
        });
        out.push_str(&rest[..used]);
        used
    }
}

/// Values that hold nothing to hide: nil, booleans, numbers.
fn is_plain_scalar(value: &str) -> bool {
    matches!(
        value,
        "~" | "null" | "nil" | "true" | "false" | "yes" | "no" | "[]" | "{}" | "''" | "\"\""
    ) || value.parse::<f64>().is_ok()
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn ident_len(text: &str) -> usize {
    text.bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        .count()
}

/// Where the string that opened before `from` closes (an unescaped `quote`).
fn find_close(line: &str, from: usize, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in line[from..].char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some(from + i);
        }
    }
    None
}

/// The end of `-----END … PRIVATE KEY-----` found at `at`.
fn pem_marker_end(text: &str, at: usize) -> usize {
    let after = at + PEM_END.len();
    match text[after..].find("-----") {
        Some(dashes) => after + dashes + "-----".len(),
        None => text.len(),
    }
}

/// `scheme://user:password@host` with the password redacted.
fn redact_url_passwords(text: &str, values: &mut usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let start = at + 3;
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let authority_end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at_sign), Some(colon)) if colon < at_sign && colon + 1 < at_sign => {
                *values += 1;
                out.push_str(&authority[..=colon]);
                out.push_str(&marker(&authority[colon + 1..at_sign]));
                out.push_str(&authority[at_sign..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}
