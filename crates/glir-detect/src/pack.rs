//! Loading rule directories into a [`RulePack`], one broken file at a time.

use crate::error::{DetectError, RuleFileError};
use rsigma_parser::{
    ConditionOperator, CorrelationCondition, CorrelationRule, CorrelationType, Detection,
    FilterRule, SigmaCollection, SigmaRule, SigmaValue, parse_sigma_yaml,
};
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// Whether a rule matches single events or sequences of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A stateless detection rule.
    Detection,
    /// A correlation over other rules' matches.
    Correlation,
}

/// What `glir rules list` and the linter need to know about one loaded rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleInfo {
    /// The rule's `id` (its title when it has none).
    pub id: String,
    /// The rule's title.
    pub title: String,
    /// Its Sigma level (`informational` when unset).
    pub level: String,
    /// The file it came from.
    pub file: PathBuf,
    /// Detection or correlation.
    pub kind: RuleKind,
    /// Event field names the rule reads (detection fields, or correlation group-by fields).
    pub fields: Vec<String>,
    /// Literal values the rule compares `event_type` with.
    pub event_types: Vec<String>,
}

/// The rules that loaded, the rules left out on purpose, and the files that did not load.
#[derive(Debug, Clone)]
pub struct RulePack {
    /// Every loaded rule, in file order.
    pub rules: Vec<RuleInfo>,
    /// Rules that parse but are not for GitLab events, in file order (see
    /// [`LoadOptions::any_logsource`]).
    pub skipped: Vec<SkippedRule>,
    /// Per-file problems; those rules are left out of the pack.
    pub errors: Vec<RuleFileError>,
    pub(crate) collection: SigmaCollection,
}

/// How [`load_rules`] treats what it finds.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Any broken file makes loading fail, instead of being recorded and left out.
    pub strict: bool,
    /// Ids of rules to leave out.
    pub disabled: Vec<String>,
    /// Also load rules whose `logsource.product` is not `gitlab`. Without it they are skipped:
    /// a general Sigma checkout holds Windows, Linux or network rules, and one such as
    /// `condition: not selection` would fire on every GitLab event, which lacks its fields.
    pub any_logsource: bool,
}

/// A rule that parsed but was left out of the pack, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SkippedRule {
    /// The file it came from.
    pub file: PathBuf,
    /// The rule's `id` (its title when it has none).
    pub id: String,
    /// The rule's title.
    pub title: String,
    /// Detection or correlation.
    pub kind: RuleKind,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// Why a rule was left out of the pack.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum SkipReason {
    /// A detection rule whose `logsource.product` is not `gitlab` (`None`: it names none).
    Logsource {
        /// The product the rule names, as written.
        product: Option<String>,
    },
    /// A correlation whose referenced rules were all skipped.
    ReferencesSkipped,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Logsource {
                product: Some(product),
            } => write!(f, "logsource product `{product}` is not gitlab"),
            SkipReason::Logsource { product: None } => {
                f.write_str("logsource names no product (not gitlab)")
            }
            SkipReason::ReferencesSkipped => {
                f.write_str("every rule it correlates was skipped for its logsource")
            }
        }
    }
}

impl RulePack {
    /// The rule with this id, if loaded.
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Load every `.yml`/`.yaml` under `dirs` (recursively, skipping `tests/` folders, which hold
/// rule tests). A broken file is recorded in [`RulePack::errors`] and the rest still load,
/// unless [`strict`](LoadOptions::strict), which turns any broken file into an error. Rules
/// whose id is disabled are left out; so are rules for other log sources, unless
/// [`any_logsource`](LoadOptions::any_logsource), which are listed in [`RulePack::skipped`].
pub fn load_rules(dirs: &[PathBuf], options: &LoadOptions) -> Result<RulePack, DetectError> {
    let mut files = Vec::new();
    for dir in dirs {
        collect_files(dir, &mut files)?;
    }
    let mut loader = Loader::default();
    for file in &files {
        loader.load_file(file, options);
    }
    loader.finish(options)
}

/// [`load_rules`] over rule files already in memory (a pack built into a binary), as
/// `(path, text)`; paths under a `tests` folder are rule tests and are left out, as on disk.
pub fn load_rule_texts(
    files: &[(PathBuf, &str)],
    options: &LoadOptions,
) -> Result<RulePack, DetectError> {
    let mut loader = Loader::default();
    for (file, text) in files {
        let is_test = file.components().any(|c| c.as_os_str() == "tests");
        let is_rule = matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        );
        if is_rule && !is_test {
            loader.load_text(file, text, options);
        }
    }
    loader.finish(options)
}

impl Loader {
    /// Checks the loaded files as a pack and builds it.
    fn finish(mut self, options: &LoadOptions) -> Result<RulePack, DetectError> {
        self.skip_correlations_of_skipped_rules();
        self.drop_dangling_correlations();
        if options.strict && !self.errors.is_empty() {
            return Err(DetectError::Rules(self.errors));
        }
        let pack = self.into_pack();
        // Building the engine once here surfaces pack-level problems (correlation cycles) at
        // load time, so `Detector::new` on a loaded pack only fails if rsigma changes its mind.
        crate::detector::build_engine(&pack)?;
        Ok(pack)
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DetectError> {
    let io = |source| DetectError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                collect_files(&path, out)?;
            }
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Default)]
struct Loader {
    rules: Vec<(PathBuf, SigmaRule)>,
    correlations: Vec<(PathBuf, CorrelationRule)>,
    filters: Vec<FilterRule>,
    skipped: Vec<SkippedRule>,
    /// Ids and names of the skipped rules, as correlations refer to them.
    skipped_refs: HashSet<String>,
    errors: Vec<RuleFileError>,
}

/// Whether a rule is for GitLab events: `logsource.product: gitlab`, in any case.
fn is_gitlab(rule: &SigmaRule) -> bool {
    rule.logsource
        .product
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("gitlab"))
}

impl Loader {
    fn error(&mut self, file: &Path, message: String) {
        self.errors.push(RuleFileError {
            file: file.to_path_buf(),
            line: line_in(&message),
            message,
        });
    }

    fn load_file(&mut self, file: &Path, options: &LoadOptions) {
        match std::fs::read_to_string(file) {
            Ok(text) => self.load_text(file, &text, options),
            Err(e) => self.error(file, e.to_string()),
        }
    }

    fn load_text(&mut self, file: &Path, text: &str, options: &LoadOptions) {
        let collection = match parse_sigma_yaml(text) {
            Ok(c) => c,
            Err(e) => return self.error(file, e.to_string()),
        };
        // A file with any broken document is left out whole: half a file (a correlation without
        // its base rule) would fire differently from what its author wrote.
        if !collection.errors.is_empty() {
            for message in collection.errors {
                self.error(file, message);
            }
            return;
        }
        let mut collection = collection;
        if let Err(message) = default_temporal_conditions(text, &mut collection.correlations) {
            return self.error(file, message);
        }
        let is_disabled =
            |id: &Option<String>| id.as_ref().is_some_and(|id| options.disabled.contains(id));
        let mut rules = Vec::new();
        let mut skipped = Vec::new();
        for rule in collection.rules {
            if is_disabled(&rule.id) {
                continue;
            }
            // Before compiling: rules for other products may use what rsigma cannot compile,
            // and that is no reason to call them broken here.
            if !options.any_logsource && !is_gitlab(&rule) {
                let refs: Vec<String> = rule.id.iter().chain(&rule.name).cloned().collect();
                let info = SkippedRule {
                    file: file.to_path_buf(),
                    id: rule.id.unwrap_or_else(|| rule.title.clone()),
                    title: rule.title,
                    kind: RuleKind::Detection,
                    reason: SkipReason::Logsource {
                        product: rule.logsource.product,
                    },
                };
                skipped.push((info, refs));
                continue;
            }
            if let Err(e) = rsigma_eval::compile_rule(&rule) {
                return self.error(file, format!("rule `{}`: {e}", rule.title));
            }
            rules.push((file.to_path_buf(), rule));
        }
        let mut correlations = Vec::new();
        for corr in collection.correlations {
            if is_disabled(&corr.id) {
                continue;
            }
            if let Err(e) = rsigma_eval::correlation::compile_correlation(&corr) {
                return self.error(file, format!("correlation `{}`: {e}", corr.title));
            }
            correlations.push((file.to_path_buf(), corr));
        }
        self.rules.extend(rules);
        for (info, refs) in skipped {
            self.skipped.push(info);
            self.skipped_refs.extend(refs);
        }
        self.correlations.extend(correlations);
        self.filters.extend(collection.filters);
    }

    /// A correlation of only skipped rules (or of correlations skipped for that) is skipped with
    /// them: it could never fire, and it is not broken. One that also counts loaded rules is
    /// left to [`drop_dangling_correlations`](Self::drop_dangling_correlations), since
    /// evaluating it without some of its rules would change what it means.
    fn skip_correlations_of_skipped_rules(&mut self) {
        loop {
            let refs = &self.skipped_refs;
            let (out, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.correlations)
                .into_iter()
                .partition(|(_, c)| {
                    !c.rules.is_empty() && c.rules.iter().all(|r| refs.contains(r))
                });
            self.correlations = kept;
            if out.is_empty() {
                return;
            }
            for (file, corr) in out {
                self.skipped_refs
                    .extend(corr.id.iter().chain(&corr.name).cloned());
                self.skipped.push(SkippedRule {
                    file,
                    id: corr.id.unwrap_or_else(|| corr.title.clone()),
                    title: corr.title,
                    kind: RuleKind::Correlation,
                    reason: SkipReason::ReferencesSkipped,
                });
            }
        }
    }

    /// rsigma rejects a whole collection when one correlation names a rule it does not know;
    /// dropping just that correlation (with an error on its file) keeps the rest of the pack.
    fn drop_dangling_correlations(&mut self) {
        loop {
            let known: HashSet<String> = self
                .rules
                .iter()
                .flat_map(|(_, r)| [r.id.clone(), r.name.clone()])
                .chain(
                    self.correlations
                        .iter()
                        .flat_map(|(_, c)| [c.id.clone(), c.name.clone()]),
                )
                .flatten()
                .collect();
            let Some(pos) = self
                .correlations
                .iter()
                .position(|(_, c)| c.rules.iter().any(|r| !known.contains(r)))
            else {
                return;
            };
            let (file, corr) = self.correlations.remove(pos);
            let (skipped, missing): (Vec<&str>, Vec<&str>) = corr
                .rules
                .iter()
                .filter(|r| !known.contains(*r))
                .map(String::as_str)
                .partition(|r| self.skipped_refs.contains(*r));
            let mut message = format!("correlation `{}`", corr.title);
            if !missing.is_empty() {
                message += &format!(
                    " refers to unknown or disabled rule(s): {}",
                    missing.join(", ")
                );
            }
            if !skipped.is_empty() {
                let and = if missing.is_empty() { "" } else { ";" };
                message += &format!(
                    "{and} counts rule(s) skipped for their logsource: {}",
                    skipped.join(", ")
                );
            }
            self.error(&file, message);
        }
    }

    fn into_pack(self) -> RulePack {
        let mut infos = Vec::new();
        let mut collection = SigmaCollection::new();
        for (file, rule) in self.rules {
            infos.push(detection_info(&file, &rule));
            collection.rules.push(rule);
        }
        for (file, corr) in self.correlations {
            infos.push(correlation_info(&file, &corr));
            collection.correlations.push(corr);
        }
        collection.filters = self.filters;
        RulePack {
            rules: infos,
            skipped: self.skipped,
            errors: self.errors,
            collection,
        }
    }
}

/// Gives each `temporal` and `temporal_ordered` correlation written without a `condition` the
/// Sigma default, "all referenced rules match in the timespan"
/// (<https://github.com/SigmaHQ/sigma-specification/blob/main/specification/sigma-correlation-rules-specification.md#temporal-proximity-temporal>),
/// as `gte: <number of rules>`. rsigma's parser fills in `gte: 1` instead, which fires on any one
/// rule; setting it here, before anything is compiled, makes glir's windows and rsigma's engine
/// agree with the spec. The parsed rule cannot tell `gte: 1` written from `gte: 1` filled in, so
/// this reads whether the YAML documents have the key.
fn default_temporal_conditions(
    text: &str,
    correlations: &mut [CorrelationRule],
) -> Result<(), String> {
    let temporal = |c: &CorrelationRule| {
        matches!(
            c.correlation_type,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        )
    };
    if !correlations.iter().any(temporal) {
        return Ok(());
    }
    let written = written_conditions(text)?;
    if written.len() != correlations.len() {
        return Err(format!(
            "cannot tell which of {} correlation(s) have a condition ({} found in the YAML)",
            correlations.len(),
            written.len()
        ));
    }
    for (corr, written) in correlations.iter_mut().zip(written) {
        if temporal(corr) && !written {
            corr.condition = CorrelationCondition::Threshold {
                predicates: vec![(ConditionOperator::Gte, corr.rules.len() as u64)],
                field: None,
                percentile: None,
            };
        }
    }
    Ok(())
}

/// Per correlation document of `text`, in order, whether it has `correlation.condition`. Keys
/// are followed through `action: global` and `action: repeat` as rsigma's `parse_sigma_yaml`
/// merges them: a merge keeps the keys of both sides, so presence is the union.
fn written_conditions(text: &str) -> Result<Vec<bool>, String> {
    use serde::Deserialize;
    use yaml_serde::Value;
    // (is a correlation, has its condition)
    let keys = |doc: &Value| {
        let corr = doc.get("correlation");
        (
            corr.is_some(),
            corr.and_then(|c| c.get("condition")).is_some(),
        )
    };
    let union = |a: (bool, bool), b: (bool, bool)| (a.0 || b.0, a.1 || b.1);
    let mut global = (false, false);
    let mut previous = (false, false);
    let mut out = Vec::new();
    for doc in yaml_serde::Deserializer::from_str(text) {
        let doc = Value::deserialize(doc).map_err(|e| e.to_string())?;
        let merged = match doc.get("action").and_then(Value::as_str) {
            Some("global") => {
                global = keys(&doc);
                continue;
            }
            Some("reset") => {
                global = (false, false);
                continue;
            }
            Some("repeat") => union(global, union(previous, keys(&doc))),
            _ => union(global, keys(&doc)),
        };
        previous = merged;
        if merged.0 {
            out.push(merged.1);
        }
    }
    Ok(out)
}

fn detection_info(file: &Path, rule: &SigmaRule) -> RuleInfo {
    let mut fields = Vec::new();
    let mut event_types = Vec::new();
    let mut named: Vec<_> = rule.detection.named.iter().collect();
    named.sort_by(|a, b| a.0.cmp(b.0));
    for (_, detection) in named {
        walk(detection, &mut fields, &mut event_types);
    }
    RuleInfo {
        id: rule.id.clone().unwrap_or_else(|| rule.title.clone()),
        title: rule.title.clone(),
        level: level_name(rule.level.as_ref()),
        file: file.to_path_buf(),
        kind: RuleKind::Detection,
        fields,
        event_types,
    }
}

fn correlation_info(file: &Path, corr: &CorrelationRule) -> RuleInfo {
    RuleInfo {
        id: corr.id.clone().unwrap_or_else(|| corr.title.clone()),
        title: corr.title.clone(),
        level: level_name(corr.level.as_ref()),
        file: file.to_path_buf(),
        kind: RuleKind::Correlation,
        fields: corr.group_by.clone(),
        event_types: Vec::new(),
    }
}

fn walk(detection: &Detection, fields: &mut Vec<String>, event_types: &mut Vec<String>) {
    match detection {
        Detection::AllOf(items) => {
            for item in items {
                let Some(name) = &item.field.name else {
                    continue;
                };
                if !fields.contains(name) {
                    fields.push(name.clone());
                }
                if name == "event_type" {
                    event_types.extend(item.values.iter().filter_map(|v| match v {
                        SigmaValue::String(s) => s.as_plain(),
                        _ => None,
                    }));
                }
            }
        }
        Detection::AnyOf(children) | Detection::And(children) => {
            for child in children {
                walk(child, fields, event_types);
            }
        }
        // Fields inside an array block are relative to one member, not event fields.
        Detection::ArrayMatch { field, .. } => {
            if !fields.contains(field) {
                fields.push(field.clone());
            }
        }
        Detection::Keywords(_) | Detection::Conditional { .. } => {}
    }
}

pub(crate) fn level_name(level: Option<&rsigma_parser::Level>) -> String {
    level.map_or("informational", |l| l.as_str()).to_owned()
}

/// yaml_serde reports positions as "... at line N column M".
fn line_in(message: &str) -> Option<u32> {
    let rest = &message[message.find("line ")? + 5..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
