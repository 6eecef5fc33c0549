//! Label selectors as the Hetzner Cloud API reads the `label_selector` parameter:
//! expressions joined by commas (AND): `k=v`, `k==v`, `k!=v`, `k` (present), `!k`
//! (absent), `k in (v1,v2)`, `k notin (v1,v2)`.

use hcloud_standin::cloud::{ApiError, Labels};

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Eq(String, String),
    Ne(String, String),
    Has(String),
    Not(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// A parsed selector.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector(Vec<Expr>);

fn invalid() -> ApiError {
    ApiError::new("invalid_input", "invalid input in field 'label_selector'")
}

fn key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

fn value_ok(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Splits at commas outside parentheses.
fn terms(s: &str) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(invalid());
                }
                cur.push(c);
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if depth != 0 {
        return Err(invalid());
    }
    out.push(cur);
    Ok(out)
}

fn set_of(rest: &str) -> Result<Vec<String>, ApiError> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(invalid)?;
    let vals: Vec<String> = inner.split(',').map(|v| v.trim().to_owned()).collect();
    if vals.iter().any(|v| !value_ok(v)) {
        return Err(invalid());
    }
    Ok(vals)
}

impl Selector {
    /// Parses `s`; the empty selector selects everything.
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        if s.trim().is_empty() {
            return Ok(Self(Vec::new()));
        }
        let mut exprs = Vec::new();
        for t in terms(s)? {
            let t = t.trim();
            let e = if let Some(k) = t.strip_prefix('!') {
                Expr::Not(k.trim().to_owned())
            } else if let Some((k, v)) = t.split_once("!=") {
                Expr::Ne(k.trim().to_owned(), v.trim().to_owned())
            } else if let Some((k, v)) = t.split_once("==") {
                Expr::Eq(k.trim().to_owned(), v.trim().to_owned())
            } else if let Some((k, v)) = t.split_once('=') {
                Expr::Eq(k.trim().to_owned(), v.trim().to_owned())
            } else if let Some((k, rest)) = t.split_once(" notin ") {
                Expr::NotIn(k.trim().to_owned(), set_of(rest)?)
            } else if let Some((k, rest)) = t.split_once(" in ") {
                Expr::In(k.trim().to_owned(), set_of(rest)?)
            } else {
                Expr::Has(t.to_owned())
            };
            let (Expr::Eq(k, _)
            | Expr::Ne(k, _)
            | Expr::Has(k)
            | Expr::Not(k)
            | Expr::In(k, _)
            | Expr::NotIn(k, _)) = &e;
            if !key_ok(k) {
                return Err(invalid());
            }
            if let Expr::Eq(_, v) | Expr::Ne(_, v) = &e
                && !value_ok(v)
            {
                return Err(invalid());
            }
            exprs.push(e);
        }
        Ok(Self(exprs))
    }

    /// Whether `labels` satisfy every expression.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.0.iter().all(|e| match e {
            Expr::Eq(k, v) => labels.get(k) == Some(v),
            Expr::Ne(k, v) => labels.get(k) != Some(v),
            Expr::Has(k) => labels.contains_key(k),
            Expr::Not(k) => !labels.contains_key(k),
            Expr::In(k, vs) => labels.get(k).is_some_and(|x| vs.contains(x)),
            Expr::NotIn(k, vs) => labels.get(k).is_none_or(|x| !vs.contains(x)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn selectors() {
        let dev = l(&[("environment", "dev"), ("role", "worker")]);
        let m = |s: &str| Selector::parse(s).unwrap().matches(&dev);
        assert!(m("environment=dev"));
        assert!(m("environment==dev,role=worker"));
        assert!(!m("environment=dev,role=kafka"));
        assert!(m("role in (kafka, worker)"));
        assert!(!m("role notin (kafka,worker)"));
        assert!(m("!pool"));
        assert!(!m("!role"));
        assert!(m("role"));
        assert!(m("environment!=prod"));
        assert!(m(""));
        assert!(Selector::parse("role in (a").is_err());
        assert!(Selector::parse("a=b c").is_err());
        assert!(Selector::parse(",").is_err());
    }
}
