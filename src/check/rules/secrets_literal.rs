//! `topogen::secrets::literal`: a literal that looks like a token or a private key.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use kdl::{KdlDocument, KdlValue};

use crate::model::Span;

/// The rule.
pub const RULE: Rule = Rule {
    code: "topogen::secrets::literal",
    severity: Severity::Error,
    summary: "a literal that looks like a token or a private key",
    docs: r#"## What it does
Looks at every name and string value of `cluster.kdl` for something that looks like a
credential: a PEM private key (`-----BEGIN … PRIVATE KEY-----`), a GitHub token (`ghp_`,
`gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), a GitLab or Slack token, an AWS access key
id (`AKIA…`), a 64-character Hetzner Cloud API token, or a long random-looking string
(mixed letters and digits with high entropy). The finding never repeats the value.

## Why is this bad?
`cluster.kdl` is committed, reviewed and copied into generated files: a credential in it is
leaked the moment it is pushed. Secrets belong in GitHub Actions secrets; `cluster.kdl`
names them (`secret HCLOUD_TOKEN use=hcloud-token`) and never holds their values. A
leaked token must be revoked, not just deleted from the file."#,
    fail: r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan {
        range reserved from=1 to=9 reserved=#true
        range control from=10 to=19
    }
    pool control role=server server-type=cx23 count=1 range=control apps=#true
    gitops repo="my-org/config" overlay="overlays/dev"
    secrets {
        secret HCLOUD_TOKEN use=hcloud-token
        secret SSH_PUBLIC_KEY use=ssh-public-key
        secret SSH_PRIVATE_KEY use=ssh-private-key
        secret CONFIG_REPO_TOKEN use=config-repo-token description="ghp_EXAMPLE0topogen0fake0token0000000000"
        secret GHCR_TOKEN use=registry-token
    }
    environment dev
}
"#,
    fixed: r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan {
        range reserved from=1 to=9 reserved=#true
        range control from=10 to=19
    }
    pool control role=server server-type=cx23 count=1 range=control apps=#true
    gitops repo="my-org/config" overlay="overlays/dev"
    secrets {
        secret HCLOUD_TOKEN use=hcloud-token
        secret SSH_PUBLIC_KEY use=ssh-public-key
        secret SSH_PRIVATE_KEY use=ssh-private-key
        secret CONFIG_REPO_TOKEN use=config-repo-token description="PAT that reads the config repository"
        secret GHCR_TOKEN use=registry-token
    }
    environment dev
}
"#,
    check: Check::Document(check),
};

/// What `s` looks like, if it looks like a credential.
pub(crate) fn looks_like_secret(s: &str) -> Option<&'static str> {
    if s.contains("-----BEGIN") && s.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    if s.len() < 16 {
        return None;
    }
    let token_char = |c: char| c.is_ascii_alphanumeric() || "_-+/=.".contains(c);
    s.split(|c: char| !token_char(c)).find_map(classify)
}

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(f)
}

fn classify(w: &str) -> Option<&'static str> {
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        if let Some(rest) = w.strip_prefix(prefix)
            && rest.len() >= 30
            && all(rest, alnum)
        {
            return Some("a GitHub token");
        }
    }
    if let Some(rest) = w.strip_prefix("github_pat_")
        && rest.len() >= 20
        && all(rest, |b| alnum(b) || b == b'_')
    {
        return Some("a GitHub token");
    }
    if let Some(rest) = w.strip_prefix("glpat-")
        && rest.len() >= 20
        && all(rest, |b| alnum(b) || b == b'_' || b == b'-')
    {
        return Some("a GitLab token");
    }
    if ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"]
        .iter()
        .any(|p| w.starts_with(p))
        && w.len() >= 24
    {
        return Some("a Slack token");
    }
    if (w.starts_with("AKIA") || w.starts_with("ASIA"))
        && w.len() == 20
        && all(w, |b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some("an AWS access key");
    }
    let upper = w.bytes().any(|b| b.is_ascii_uppercase());
    let lower = w.bytes().any(|b| b.is_ascii_lowercase());
    let digit = w.bytes().any(|b| b.is_ascii_digit());
    if w.len() == 64 && all(w, alnum) && upper && lower && digit {
        return Some("a Hetzner Cloud API token");
    }
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
        for ok in [
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
