//! `environments/<env>.tfvars`: the Terraform root module's variables.
//!
//! The template writes attributes without padding; [`align`] then lines up
//! the `=` signs and trailing comments exactly as `terraform fmt` (hclwrite)
//! does, so the output is byte-identical to what `terraform fmt` would leave
//! and a `--templates` override cannot get the alignment wrong.
//!
//! hclwrite's rule, which [`align`] reproduces: a line is split into *lead*,
//! *assign* (from its first `=` to the end, when the brackets after that `=`
//! balance) and a trailing *comment*. Consecutive lines with an assign form a
//! chain whose `=` signs are aligned one space after the longest lead; a line
//! without one (a blank line, a comment line, `name = [` opening a multi-line
//! value, a `}`) ends the chain. Trailing comments are aligned the same way
//! over consecutive lines that have one.

use serde::Serialize;

use super::value::{
    FirewallValue, HetznerValue, NetworkValue, Node, PoolValue, PrimaryIpValue, VersionsValue,
    control_plane,
};
use super::{EmitError, Plan, Templates};
use crate::model::Resolved;

const TEMPLATE: &str = "terraform/env.tfvars.j2";

/// With `output terraform="tfvars-only"`: the agent pools today's hand-written
/// root module declares variables for. A topology without one of them still
/// sets its count to 0: that module's default (`kafka_node_count = 1`) would
/// otherwise create a server nobody described. The generated module declares
/// exactly the topology's pools and needs none of this.
const HAND_WRITTEN_MODULE_AGENT_POOLS: &[&str] = &["kafka", "worker"];

/// What `terraform/env.tfvars.j2` reads.
#[derive(Serialize)]
struct Ctx<'a> {
    env: Env<'a>,
    /// For the generated module (`terraform/`): it also reads the network zone,
    /// the image and the Primary IPs' names.
    module: bool,
    /// Hand-written-module pools the topology does not have (`tfvars-only`).
    absent_pools: Vec<&'static str>,
}

/// The environment, as the root module's variables need it.
#[derive(Serialize)]
struct Env<'a> {
    env: &'a str,
    cluster: &'a str,
    hetzner: HetznerValue<'a>,
    network: NetworkValue,
    versions: VersionsValue<'a>,
    control_plane: Node,
    pools: Vec<PoolValue<'a>>,
    /// The pools' Primary IPs, in pool order.
    primary_ips: Vec<PrimaryIpValue<'a>>,
    firewall: Vec<FirewallValue<'a>>,
}

/// Renders `environments/<env>.tfvars` for every environment.
pub(crate) fn emit(
    envs: &[Resolved<'_>],
    module: bool,
    t: &Templates,
    plan: &mut Plan,
) -> Result<(), EmitError> {
    for env in envs {
        let topo = env.topo;
        let absent_pools = if module {
            Vec::new()
        } else {
            HAND_WRITTEN_MODULE_AGENT_POOLS
                .iter()
                .copied()
                .filter(|name| !env.pools.iter().any(|p| !p.server && p.tf_prefix == *name))
                .collect()
        };
        let ctx = Ctx {
            env: Env {
                env: &topo.env.name.value,
                cluster: &topo.cluster.value,
                hetzner: HetznerValue::of(env),
                network: NetworkValue::of(env),
                versions: VersionsValue::new(&topo.versions),
                control_plane: control_plane(env),
                pools: PoolValue::all(env),
                primary_ips: PrimaryIpValue::all(env),
                firewall: FirewallValue::all(env),
            },
            module,
            absent_pools,
        };
        let path = format!("environments/{}.tfvars", topo.env.name.value);
        plan.render_padded(path, || Ok(align(&t.render(TEMPLATE, ctx)?)))?;
    }
    Ok(())
}

/// One line split into hclwrite's cells.
struct Line<'a> {
    /// Everything before the `=` (or the whole line), right-trimmed.
    lead: &'a str,
    /// From the `=` up to the comment, right-trimmed.
    assign: Option<&'a str>,
    /// The trailing comment, from `#` or `//` to the end of the line.
    comment: Option<&'a str>,
}

/// Aligns `=` signs and trailing comments the way `terraform fmt` does.
///
/// Widths are computed first and the text is written once, without a string
/// per line (a pool's IP list is a line per node: issue 6).
pub(crate) fn align(text: &str) -> String {
    let lines: Vec<Line<'_>> = text.lines().map(split).collect();
    let width = |s: &str| {
        if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        }
    };

    // Column of the `=` for each line, per chain of consecutive assigns.
    let mut eq_col = vec![0usize; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        if lines[i].assign.is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].assign.is_some() {
            i += 1;
        }
        let max = lines[start..i]
            .iter()
            .map(|l| width(l.lead))
            .max()
            .unwrap_or(0);
        eq_col[start..i].fill(max + 1);
        if i - start > 1 && super::provenance::active() {
            widest(text, start, i, |j| {
                let l = &lines[j];
                (width(l.lead) == max).then_some(l.lead)
            });
        }
    }

    // Width of each line before its comment: lead, padding, assign.
    let body_width = |j: usize| match lines[j].assign {
        Some(a) => eq_col[j] + width(a),
        None => width(lines[j].lead),
    };
    let pad = |mut n: usize, out: &mut String| {
        const SPACES: &str = "                                ";
        while n > 0 {
            let k = n.min(SPACES.len());
            out.push_str(&SPACES[..k]);
            n -= k;
        }
    };

    // Trailing comments, per chain of consecutive commented lines.
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let comment_col = if lines[i].comment.is_some() {
            while i < lines.len() && lines[i].comment.is_some() {
                i += 1;
            }
            let max = (start..i).map(body_width).max().unwrap_or(0);
            if i - start > 1 && super::provenance::active() {
                widest(text, start, i, |j| {
                    let l = &lines[j];
                    let end = l.assign.unwrap_or(l.lead);
                    let body = offset(text, end) + end.len() - offset(text, l.lead);
                    (body_width(j) == max).then(|| &text[offset(text, l.lead)..][..body])
                });
            }
            max + 1
        } else {
            i += 1;
            0
        };
        for (j, line) in lines.iter().enumerate().take(i).skip(start) {
            out.push_str(line.lead);
            let mut written = width(line.lead);
            if let Some(a) = line.assign {
                pad(eq_col[j] - written, &mut out);
                out.push_str(a);
                written = eq_col[j] + width(a);
            }
            if let Some(c) = line.comment {
                pad(comment_col - written, &mut out);
                out.push_str(c);
            }
            out.push('\n');
        }
    }
    out
}

/// Lines `start..end` (0-based) of `text` were padded to the width of the
/// parts of them `widest` gives (a key, or a key and its value): their
/// provenance names the values written there.
fn widest<'t>(text: &'t str, start: usize, end: usize, widest: impl Fn(usize) -> Option<&'t str>) {
    let line = |j: usize| u32::try_from(j + 1).unwrap_or(u32::MAX);
    let ranges = (start..end)
        .filter_map(widest)
        .map(|s| (offset(text, s), offset(text, s) + s.len()))
        .collect();
    super::provenance::aligned(line(start), line(end - 1), ranges);
}

/// Where `part`, a slice of `text`, starts in it.
fn offset(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// The bytes that end a bare token: white space, a quote, a comment,
/// brackets, `=` and `,`.
const ENDS_TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < b" \t\"#[]{}()=,".len() {
        t[b" \t\"#[]{}()=,"[i] as usize] = true;
        i += 1;
    }
    t
};

/// Splits one line into lead, assign and comment, as hclwrite's
/// `linesForFormat` does: a comment is only a *trailing* comment when
/// something precedes it, and an `=` only starts an assign cell when it is not
/// the first token and the brackets after it balance.
fn split(line: &str) -> Line<'_> {
    let line = line.trim_end();
    let bytes = line.as_bytes();
    let mut tokens_before = 0usize;
    let mut eq: Option<usize> = None;
    let mut depth_after_eq = 0i32;
    let mut comment: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            b'"' => {
                // to the closing quote, over `\x` escapes
                i += 1;
                loop {
                    let next = bytes
                        .get(i..)
                        .and_then(|rest| rest.iter().position(|&b| b == b'"' || b == b'\\'));
                    match next {
                        Some(k) if bytes[i + k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k + 1;
                            break;
                        }
                        None => {
                            i = bytes.len();
                            break;
                        }
                    }
                }
            }
            b'#' => {
                comment = Some(i);
                break;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                comment = Some(i);
                break;
            }
            b'[' | b'{' | b'(' => {
                depth_after_eq += 1;
                i += 1;
            }
            b']' | b'}' | b')' => {
                depth_after_eq -= 1;
                i += 1;
            }
            b'=' => {
                let prev = i.checked_sub(1).map(|p| bytes[p]);
                let next = bytes.get(i + 1).copied();
                let operator = matches!(prev, Some(b'=' | b'!' | b'<' | b'>'))
                    || matches!(next, Some(b'=' | b'>'));
                if !operator && eq.is_none() && tokens_before > 0 {
                    eq = Some(i);
                    depth_after_eq = 0;
                }
                i += 1;
            }
            _ => {
                i += bytes[i..]
                    .iter()
                    .position(|&b| ENDS_TOKEN[usize::from(b)])
                    .unwrap_or(bytes.len() - i);
                // A lone `,` is a token of its own.
                if i < bytes.len() && bytes[i] == b',' {
                    i += 1;
                }
            }
        }
        tokens_before += 1;
    }
    let (code, comment) = match comment {
        Some(c) if tokens_before > 0 => (line[..c].trim_end(), Some(&line[c..])),
        _ => (line, None),
    };
    match eq {
        Some(e) if depth_after_eq == 0 && e < code.len() => Line {
            lead: code[..e].trim_end(),
            assign: Some(&code[e..]),
            comment,
        },
        _ => Line {
            lead: code,
            assign: None,
            comment,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::align;

    /// `text` with every run of spaces before a `=` or a `#` made one space.
    fn unaligned(text: &str) -> String {
        let mut out = String::new();
        for part in text.split_inclusive(['=', '#']) {
            match part.strip_suffix(['=', '#']) {
                Some(head) if head.ends_with(' ') => {
                    out.push_str(head.trim_end_matches(' '));
                    out.push(' ');
                    out.push_str(&part[head.len()..]);
                }
                _ => out.push_str(part),
            }
        }
        out
    }

    #[test]
    fn aligns_like_terraform_fmt() {
        let want = "\
# header
environment  = \"dev\" # c
cluster_name = \"k3s-trading\"

a  = \"cx23\" # x
bb = 3      # y
# comment line
list = [\"1\", \"2\"]
multi = [
  {
    description = \"ssh\"
    source_ips  = [\"0.0.0.0/0\"]
  },
]
x = 1
";
        // the same lines with one space before each `=` and `#`
        let spaces = unaligned(want);
        assert_ne!(spaces, want);
        assert_eq!(align(&spaces), want);
    }

    #[test]
    fn aligns_comments_in_multi_line_lists() {
        // Checked against `terraform fmt` 1.11.
        assert_eq!(
            align("ips = [\n  \"10.0.1.99\", # a\n  \"10.0.1.100\", # b\n]\n"),
            "ips = [\n  \"10.0.1.99\",  # a\n  \"10.0.1.100\", # b\n]\n"
        );
    }

    #[test]
    fn strings_hide_equals_and_hashes() {
        assert_eq!(
            align("a = \"x = # y\" # z\nlong = 1\n"),
            "a    = \"x = # y\" # z\nlong = 1\n"
        );
    }
}
