//! `topogen::output::retire-tfvars-only`: a `retire` that a module of your own would not honour.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{TerraformShape, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::output::retire-tfvars-only",
    severity: Severity::Warning,
    summary: "a `retire` with `output terraform=\"tfvars-only\"`, where a module of your own numbers the servers",
    docs: r#"## What it does
Reports each `retire INDEX` of a pool while `output terraform="tfvars-only"`: topogen then
writes only the tfvars, in today's hand-written module's shape — a node count and a list
of private IPs per pool — and the module that creates the servers is yours.

## Why is this bad?
`retire` keeps every other node's name and address because the generated module keys each
server by its node name (`for_each`). A module that numbers a pool's servers by position
(`count`, `var.kafka_private_ips[count.index]`) sees a shorter list instead: every server
after the retired one moves down by one, takes its neighbour's name and IP, and Terraform
replaces it — the opposite of removing one node from the middle. Use the generated module
(`output terraform="module"`, the default), or make your module key servers by name (the
warning stays: topogen cannot see your module)."#,
    fail: r#"output terraform="tfvars-only"
pool kafka role=agent server-type=cx23 count=3 range=kafka {
    labels role=kafka
    retire 1 reason="disk failure; its partitions moved to kafka-3"
}
"#,
    fixed: r#"output terraform="module"
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    if t.terraform.value != TerraformShape::TfvarsOnly {
        return;
    }
    for p in &t.pools {
        for r in &p.retired {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "`retire {}` in pool `{}` renumbers the servers of a module of your own",
                        r.index.value, p.name.value
                    ),
                )
                .label(r.span, "keeps node names only in the generated module")
                .label(
                    t.terraform.span,
                    "the tfvars list this pool's IPs by position",
                )
                .help(format!(
                    "use the generated module (`output terraform=\"module\"`), which keys servers by node name; or make your module key pool `{}`'s servers by name, not by `count.index`",
                    p.name.value
                )),
            );
        }
    }
}
