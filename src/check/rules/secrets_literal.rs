//! `topogen::secrets::literal`: a literal that looks like a token or a private key.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use kdl::{KdlDocument, KdlValue};

use crate::model::Span;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::secrets::literal",
    severity: Severity::Error,
    summary: "a literal that looks like a token or a private key",
    docs: r#"## What it does
Looks at every name and string value of `cluster.kdl` for something that looks like a
credential: a PEM private key (`-----BEGIN … PRIVATE KEY-----`), a GitHub token (`ghp_`,
`gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), a GitLab or Slack token, an AWS access key
id (`AKIA…`), a 64-character Hetzner Cloud API token, or a long random-looking string
(mixed letters and digits with high entropy); the known formats in any letter case. The
finding never repeats the value, and nothing topogen prints does (each such word is masked).

## Why is this bad?
`cluster.kdl` is committed, reviewed and copied into generated files: a credential in it is
leaked the moment it is pushed. Secrets belong in GitHub Actions secrets; `cluster.kdl`
names them (`secret HCLOUD_TOKEN use=hcloud-token`) and never holds their values. A
leaked token must be revoked, not just deleted from the file."#,
    fail: r#"secrets {
    secret HCLOUD_TOKEN use=hcloud-token
    secret SSH_PUBLIC_KEY use=ssh-public-key
    secret SSH_PRIVATE_KEY use=ssh-private-key
    secret CONFIG_REPO_TOKEN use=config-repo-token description="ghp_EXAMPLE0topogen0fake0token0000000000"
}
"#,
    fixed: r#"secrets {
    secret HCLOUD_TOKEN use=hcloud-token
    secret SSH_PUBLIC_KEY use=ssh-public-key
    secret SSH_PRIVATE_KEY use=ssh-private-key
    secret CONFIG_REPO_TOKEN use=config-repo-token description="PAT that reads the config repository"
}
"#,
    check: Check::Document(check),
};

/// What `s` looks like, if it looks like a credential: the one "is it
/// secret-shaped" predicate, used by this rule and by everything that prints
/// a value ([`crate::term`]).
pub(crate) fn looks_like_secret(s: &str) -> Option<&'static str> {
    if s.contains("-----BEGIN") && s.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    if s.len() < 16 {
        return None;
    }
    words(s).find_map(|(_, w)| secret_word(w))
}

/// The byte ranges of `s` that look like credentials, in order: what every
/// printed text masks.
pub(crate) fn secret_ranges(s: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    words(s)
        .filter(|(_, w)| secret_word(w).is_some())
        .map(|(at, w)| at..at + w.len())
}

/// The words of `s` with their byte offsets: runs of the characters tokens
/// and keys are made of, without the punctuation at their ends (the `-` of a
/// diff line, a sentence's full stop).
fn words(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let token_char = |c: char| c.is_ascii_alphanumeric() || "_-+/=.".contains(c);
    let edge = |c: char| !c.is_ascii_alphanumeric();
    s.split(move |c: char| !token_char(c)).filter_map(move |w| {
        let t = w.trim_start_matches(edge);
        let at = t.as_ptr() as usize - s.as_ptr() as usize;
        let t = t.trim_end_matches(edge);
        (!t.is_empty()).then_some((at, t))
    })
}

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(f)
}

/// What the word `w` (see [`words`]) looks like, if it looks like
/// a credential. The known formats are matched in any letter case, so that a
/// token lower- or upper-cased (in a suggested fix, say) is still one.
pub(crate) fn secret_word(w: &str) -> Option<&'static str> {
    if w.len() < 16 {
        return None;
    }
    let b = w.as_bytes();
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    let is = |at: usize, text: &str| {
        b.get(at..at + text.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(text.as_bytes()))
    };
    let run =
        |from: usize, ok: &dyn Fn(u8) -> bool| b[from..].iter().take_while(|&&c| ok(c)).count();
    // a prefix anywhere in the word (`prod-ghp_…` is as secret as `ghp_…`),
    // found from its `_` or `-`, without a lower-cased copy of every word
    for (i, &c) in b.iter().enumerate() {
        let github = c == b'_'
            && ((i >= 3
                && is(i - 3, "gh")
                && b"pousrPOUSR".contains(&b[i - 1])
                && run(i + 1, &alnum) >= 30)
                || (i >= 10
                    && is(i - 10, "github_pat")
                    && run(i + 1, &|c| alnum(c) || c == b'_') >= 20));
        if github {
            return Some("a GitHub token");
        }
        if c == b'-'
            && i >= 5
            && is(i - 5, "glpat")
            && run(i + 1, &|c| alnum(c) || c == b'_' || c == b'-') >= 20
        {
            return Some("a GitLab token");
        }
    }
    if is(0, "xox")
        && b"bpars".contains(&b[3].to_ascii_lowercase())
        && b[4] == b'-'
        && w.len() >= 24
    {
        return Some("a Slack token");
    }
    // AKIA or ASIA and 16 base-32 characters (`[A-Z2-7]`), at least one a digit
    if w.len() == 20
        && (is(0, "akia") || is(0, "asia"))
        && all(&w[4..], |c| {
            c.is_ascii_alphabetic() || (b'2'..=b'7').contains(&c)
        })
        && b[4..].iter().any(u8::is_ascii_digit)
    {
        return Some("an AWS access key");
    }
    // 64 letters and digits, also as a part of a longer name (`<token>-k3s-1`);
    // a letter past `f`: a hex digest (a SHA-256) is not a token
    if w.split(|c: char| !c.is_ascii_alphanumeric()).any(|part| {
        part.len() == 64
            && part.bytes().any(|c| c.is_ascii_digit())
            && part
                .bytes()
                .any(|c| c.to_ascii_lowercase() > b'f' && c.is_ascii_alphabetic())
    }) {
        return Some("a Hetzner Cloud API token");
    }
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let lower = b.iter().any(u8::is_ascii_lowercase);
    let digit = b.iter().any(u8::is_ascii_digit);
    if w.len() >= 32 && upper && lower && digit && entropy(w) >= 4.0 {
        return Some("a token or key (a long random string)");
    }
    None
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

fn report(out: &mut Findings, what: &str, span: Span) {
    out.push(
        Finding::new(&RULE, format!("cluster.kdl contains what looks like {what}"))
            .label(span, format!("looks like {what}; not repeated here"))
            .help("remove it, revoke it, and store it as a GitHub Actions secret: cluster.kdl only names secrets (`secret NAME use=…`)"),
    );
}

fn walk(doc: &KdlDocument, out: &mut Findings) {
    for node in doc.nodes() {
        if let Some(what) = looks_like_secret(node.name().value()) {
            report(out, what, node.name().span().into());
        }
        for entry in node.entries() {
            if let Some(what) = entry.name().and_then(|n| looks_like_secret(n.value())) {
                report(out, what, entry.span().into());
            } else if let KdlValue::String(s) = entry.value()
                && let Some(what) = looks_like_secret(s)
            {
                report(out, what, entry.span().into());
            }
        }
        if let Some(children) = node.children() {
            walk(children, out);
        }
    }
}

fn check(doc: &KdlDocument, out: &mut Findings) {
    walk(doc, out);
}

#[cfg(test)]
mod tests {
    use super::looks_like_secret as s;

    #[test]
    fn detects_credentials_not_ordinary_values() {
        assert_eq!(
            s("-----BEGIN OPENSSH PRIVATE KEY-----\nabc"),
            Some("a private key")
        );
        assert_eq!(
            s("token ghp_EXAMPLE0topogen0fake0token0000000000"),
            Some("a GitHub token")
        );
        assert_eq!(s("AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key"));
        let hetzner = "aB3".repeat(21) + "x";
        assert_eq!(s(&hetzner), Some("a Hetzner Cloud API token"));
        // whatever the case, and inside a longer word
        for variant in [
            "GHP_EXAMPLE0TOPOGEN0FAKE0TOKEN0000000000",
            "ghp_example0topogen0fake0token0000000000",
            "prod-ghp_EXAMPLE0topogen0fake0token0000000000-1",
            "GITHUB_PAT_11ABCDEFG0123456789_abcdefghij",
        ] {
            assert_eq!(s(variant), Some("a GitHub token"), "{variant}");
        }
        assert_eq!(s("x GLPAT-abcdefghij0123456789"), Some("a GitLab token"));
        assert_eq!(s("XOXB-1234567890-abcdefghij"), Some("a Slack token"));
        assert_eq!(s("akiaiosfodnn7example"), Some("an AWS access key"));
        assert_eq!(
            s(&hetzner.to_ascii_lowercase()),
            Some("a Hetzner Cloud API token")
        );
        assert_eq!(
            s(&hetzner.to_ascii_uppercase()),
            Some("a Hetzner Cloud API token")
        );
        assert_eq!(
            s(&format!(
                "{}-k3s-trading-control-1",
                hetzner.to_ascii_uppercase()
            )),
            Some("a Hetzner Cloud API token")
        );
        for ok in [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "asiapacificregionxyz",
            "market-data-ingestion-2025-worker-01",
            "c643d5d7d56f664e4a1c2425113dc5a55854e192",
            "node-role.kubernetes.io/control-plane",
            "overlays/production/market-data-ingestion",
            "PAT with read:packages to pull private images",
            "v1.34.1+k3s1",
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        ] {
            assert_eq!(s(ok), None, "{ok}");
        }
    }
}
