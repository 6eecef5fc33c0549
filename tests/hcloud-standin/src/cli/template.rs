//! `-o format=…`: the subset of Go's text/template the stand-in evaluates (text and
//! field chains such as `{{.ID}}`, `{{ .Datacenter.Name }}`), over a model of the
//! hcloud-go structs, printed as Go's fmt prints them. Anything else is refused (exit 3)
//! rather than guessed.

use std::collections::BTreeMap;

/// A value of an hcloud-go struct field.
#[derive(Debug, Clone)]
pub enum TVal {
    /// Printed as is (numbers, strings, IPs, times already formatted the Go way).
    Text(String),
    /// A nil pointer of the Go type.
    Nil(&'static str),
    /// A struct (or pointer to one) of the Go type: its modelled fields, and the names
    /// of its real fields the stand-in does not model.
    Struct {
        go_type: &'static str,
        fields: Vec<(&'static str, TVal)>,
        unmodelled: &'static [&'static str],
    },
    /// `map[string]string`.
    Map(BTreeMap<String, String>),
    /// A value the stand-in cannot print as Go would (a slice of structs, …).
    Opaque(&'static str),
}

/// A template failure: Go's error (exit 1, `hcloud: …`) or the stand-in's refusal.
#[derive(Debug, PartialEq)]
pub enum TErr {
    Go(String),
    StandIn(String),
}

enum Piece {
    Text(String),
    /// The field chain and its byte position in the template.
    Field(Vec<String>, usize),
}

fn parse(src: &str) -> Result<Vec<Piece>, TErr> {
    let mut pieces = Vec::new();
    let mut rest = src;
    let mut offset = 0;
    while let Some(open) = rest.find("{{") {
        pieces.push(Piece::Text(rest[..open].to_owned()));
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            let line = 1 + src[..offset + open].matches('\n').count();
            return Err(TErr::Go(format!("template: :{line}: unclosed action")));
        };
        let inner = &after[..close];
        let lead = inner.len() - inner.trim_start().len();
        let action = inner.trim();
        let pos = offset + open + 2 + lead;
        if action.starts_with('-') || action.ends_with('-') {
            return Err(TErr::StandIn(format!(
                "the stand-in does not implement the template action {{{{{inner}}}}}"
            )));
        }
        let chain = action.strip_prefix('.').filter(|c| {
            !c.is_empty()
                && c.split('.').all(|p| {
                    !p.is_empty()
                        && p.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                        && !p.starts_with(|ch: char| ch.is_ascii_digit())
                })
        });
        match chain {
            Some(c) => pieces.push(Piece::Field(c.split('.').map(str::to_owned).collect(), pos)),
            None => {
                return Err(TErr::StandIn(format!(
                    "the stand-in does not implement the template action {{{{{inner}}}}} (only field chains such as {{{{.ID}}}})"
                )));
            }
        }
        let consumed = open + 2 + close + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    pieces.push(Piece::Text(rest.to_owned()));
    Ok(pieces)
}

fn go_map(m: &BTreeMap<String, String>) -> String {
    let items: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("map[{}]", items.join(" "))
}

/// Renders `src` (with a newline appended when it has none, as util.DescribeFormat does)
/// against `root`.
pub fn render(src: &str, root: &TVal) -> Result<String, TErr> {
    let mut src = src.to_owned();
    if !src.ends_with('\n') {
        src.push('\n');
    }
    let pieces = parse(&src)?;
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(&t),
            Piece::Field(chain, pos) => {
                let before = &src[..pos];
                let line = 1 + before.matches('\n').count();
                let col = match before.rfind('\n') {
                    Some(nl) => pos - (nl + 1),
                    None => pos,
                };
                let at = format!(
                    "template: :{line}:{col}: executing \"\" at <.{}>",
                    chain.join(".")
                );
                let mut v = root;
                for name in &chain {
                    v = match v {
                        TVal::Struct {
                            go_type,
                            fields,
                            unmodelled,
                        } => match fields.iter().find(|(n, _)| n == name) {
                            Some((_, x)) => x,
                            None if unmodelled.contains(&name.as_str()) => {
                                return Err(TErr::StandIn(format!(
                                    "the stand-in does not model the field {name} of {go_type}"
                                )));
                            }
                            None => {
                                return Err(TErr::Go(format!(
                                    "{at}: can't evaluate field {name} in type {go_type}"
                                )));
                            }
                        },
                        TVal::Nil(go_type) => {
                            return Err(TErr::Go(format!(
                                "{at}: nil pointer evaluating {go_type}.{name}"
                            )));
                        }
                        TVal::Map(_) => {
                            // Go reads a map key by a field name: absent keys print
                            // "<no value>".
                            out.push_str("<no value>");
                            break;
                        }
                        TVal::Text(_) | TVal::Opaque(_) => {
                            return Err(TErr::StandIn(format!(
                                "the stand-in does not evaluate .{} (a field of a non-struct value)",
                                chain.join(".")
                            )));
                        }
                    };
                }
                match v {
                    TVal::Text(t) => out.push_str(t),
                    TVal::Nil(_) => out.push_str("<nil>"),
                    TVal::Map(m) => {
                        if !matches!(root, TVal::Map(_)) {
                            out.push_str(&go_map(m));
                        }
                    }
                    TVal::Struct { go_type, .. } | TVal::Opaque(go_type) => {
                        return Err(TErr::StandIn(format!(
                            "the stand-in does not print a whole {go_type} (.{}): name one of its fields",
                            chain.join(".")
                        )));
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip() -> TVal {
        TVal::Struct {
            go_type: "*hcloud.PrimaryIP",
            fields: vec![
                ("ID", TVal::Text("7".into())),
                ("Name", TVal::Text("kafka-ip".into())),
                ("Labels", TVal::Map([("a".into(), "b".into())].into())),
                ("Datacenter", TVal::Nil("*hcloud.Datacenter")),
            ],
            unmodelled: &["Protection"],
        }
    }

    #[test]
    fn fields() {
        assert_eq!(render("{{.ID}}", &ip()).unwrap(), "7\n");
        assert_eq!(
            render("{{ .Name }} id={{.ID}}\n", &ip()).unwrap(),
            "kafka-ip id=7\n"
        );
        assert_eq!(render("{{.Labels}}", &ip()).unwrap(), "map[a:b]\n");
        assert_eq!(
            render("{{.Foo}}", &ip()),
            Err(TErr::Go(
                "template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type *hcloud.PrimaryIP".into()
            ))
        );
        assert_eq!(
            render("{{.ID", &ip()),
            Err(TErr::Go("template: :1: unclosed action".into()))
        );
        assert!(matches!(
            render("{{.Datacenter.Name}}", &ip()),
            Err(TErr::Go(m)) if m.ends_with("nil pointer evaluating *hcloud.Datacenter.Name")
        ));
        assert!(matches!(
            render("{{.Protection}}", &ip()),
            Err(TErr::StandIn(_))
        ));
        assert!(matches!(
            render("{{index .Labels \"a\"}}", &ip()),
            Err(TErr::StandIn(_))
        ));
    }
}
