//! Findings: what the stages report about `cluster.kdl`.
//!
//! Every problem — a KDL syntax error, an unknown property, a Kafka replication
//! factor larger than the broker pool — becomes one [`Finding`]: a stable code
//! from the rule registry, a severity, a message in the user's terms, labeled
//! spans into the file (the first label is the primary one) and a help line.

use std::fmt;

use serde::Serialize;

/// The candidate closest to `word`, if it is close enough to be a typo: the
/// one place "did you mean" suggestions are chosen, for lowering and rules.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // close enough by Jaro-Winkler; the fewest edits wins, then the higher score
    let mut best: Option<(usize, f64, &'a str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(word, c);
        if score < 0.8 {
            continue;
        }
        let edits = strsim::levenshtein(word, c);
        if best.is_none_or(|(e, s, _)| edits < e || (edits == e && score > s)) {
            best = Some((edits, score, c));
        }
    }
    best.map(|(_, _, c)| c)
}

/// `` did you mean `x`? `` for the candidate [`suggest`] picks, if any: the
/// one way lowering and the rules phrase a suggestion.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest(word, candidates).map(|s| format!("did you mean `{s}`?"))
}

/// A list of names in backticks: `` `a`, `b` and `c` ``, at most `max` of them.
pub(crate) fn list<S: AsRef<str>>(items: &[S], max: usize) -> String {
    let shown: Vec<String> = items
        .iter()
        .take(max)
        .map(|s| format!("`{}`", s.as_ref()))
        .collect();
    let more = items.len().saturating_sub(max);
    match (shown.split_last(), more) {
        (None, _) => String::new(),
        (Some((last, [])), 0) => last.clone(),
        (Some((last, rest)), 0) => format!("{} and {last}", rest.join(", ")),
        (Some(_), n) => format!("{} and {n} more", shown.join(", ")),
    }
}

/// What a finding is: its stable code and default severity. A lowering code
/// ([`crate::codes::Code`]) and a rule of the registry (`check::Rule`) both
/// are, so this module needs neither.
pub(crate) trait Coded {
    /// Stable code, `topogen::<area>::<name>`.
    fn code(&self) -> &'static str;
    /// Default severity.
    fn severity(&self) -> Severity;
}

/// A byte range in `cluster.kdl`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// A span from a byte offset and a length.
    pub(crate) fn new(offset: usize, len: usize) -> Self {
        Self { offset, len }
    }

    /// The part of `text` it covers (empty when it does not lie in `text`
    /// on character boundaries).
    pub fn text(self, text: &str) -> &str {
        let end = self.offset.saturating_add(self.len);
        text.get(self.offset..end).unwrap_or_default()
    }
}

impl From<miette::SourceSpan> for Span {
    fn from(s: miette::SourceSpan) -> Self {
        Span::new(s.offset(), s.len())
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.offset, s.len).into()
    }
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth fixing; fails only with `--deny-warnings`.
    Warning,
    /// The topology cannot be built.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A labeled span: one of the places a finding points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there, in a few words.
    pub(crate) text: String,
}

/// One problem in `cluster.kdl`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Finding {
    /// Stable rule code, e.g. `topogen::kafka::replication`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, lowercase, no final period.
    pub message: String,
    /// The places that disagree; the first is the primary one.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// The environments the finding was seen in (empty: not environment-specific).
    pub(crate) envs: Vec<String>,
}

impl Finding {
    /// A finding of `rule` (a code or a rule), with its default severity.
    pub(crate) fn new(rule: &impl Coded, message: impl Into<String>) -> Self {
        Self {
            code: rule.code(),
            severity: rule.severity(),
            message: message.into(),
            labels: Vec::new(),
            help: None,
            envs: Vec::new(),
        }
    }

    /// Adds a labeled span. The first one added is the primary span.
    #[must_use]
    pub(crate) fn label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// Sets the help line.
    #[must_use]
    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Overrides the rule's default severity.
    #[must_use]
    pub(crate) fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The primary span, if any.
    pub fn primary(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }
}

/// The findings of a run, in a stable order.
#[derive(Debug, Default)]
pub struct Findings {
    items: Vec<Finding>,
    env: Option<String>,
}

impl Findings {
    /// Findings collected while looking at environment `env`.
    pub(crate) fn for_env(env: &str) -> Self {
        Self {
            items: Vec::new(),
            env: Some(env.to_owned()),
        }
    }

    /// Records a finding.
    pub(crate) fn push(&mut self, mut finding: Finding) {
        if let Some(env) = &self.env {
            finding.envs = vec![env.clone()];
        }
        self.items.push(finding);
    }

    /// Moves every finding of `other` into `self`, merging duplicates: the same
    /// problem seen in several environments is reported once, naming them all.
    pub(crate) fn absorb(&mut self, other: Findings) {
        // index by identity (everything but the environments): linear, not quadratic
        let mut index: std::collections::HashMap<
            (&'static str, Severity, String, Vec<Label>),
            usize,
        > = self
            .items
            .iter()
            .enumerate()
            .map(|(i, g)| ((g.code, g.severity, g.message.clone(), g.labels.clone()), i))
            .collect();
        for f in other.items {
            let key = (f.code, f.severity, f.message.clone(), f.labels.clone());
            match index.get(&key) {
                Some(&i) => {
                    let g = &mut self.items[i];
                    for e in f.envs {
                        if !g.envs.contains(&e) {
                            g.envs.push(e);
                        }
                    }
                }
                None => {
                    index.insert(key, self.items.len());
                    self.items.push(f);
                }
            }
        }
    }

    /// Keeps only the findings for which `keep` is true.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&Finding) -> bool) {
        self.items.retain(keep);
    }

    /// The findings, sorted by position in the file, then code.
    pub(crate) fn into_sorted(mut self) -> Vec<Finding> {
        self.items.sort_by(|a, b| {
            (a.primary().map(|s| s.offset), a.code, &a.message).cmp(&(
                b.primary().map(|s| s.offset),
                b.code,
                &b.message,
            ))
        });
        self.items
    }
}
