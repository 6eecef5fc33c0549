//! Command-line parsing as cobra v1.8.1 (with `TraverseChildren`) and pflag v1.0.5 do it
//! for the hcloud CLI: the command is found word by word, flags may stand anywhere, `--`
//! ends them, and the errors carry pflag's wording.

use std::collections::BTreeMap;

use super::spec::Flag;

/// A flag's parsed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Str(String),
    Int(i64),
    List(Vec<String>),
    Map(BTreeMap<String, String>),
}

/// The flags of one command, after parsing.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Values of the flags given on the command line, by long name.
    pub set: BTreeMap<String, Value>,
    /// The positional arguments.
    pub args: Vec<String>,
    /// `-h` / `--help` was given.
    pub help: bool,
}

impl Parsed {
    pub fn changed(&self, name: &str) -> bool {
        self.set.contains_key(name)
    }
    pub fn string(&self, name: &str) -> String {
        match self.set.get(name) {
            Some(Value::Str(s)) => s.clone(),
            _ => String::new(),
        }
    }
    /// The string flag `name`, unless it is absent or empty.
    pub fn given(&self, name: &str) -> Option<String> {
        Some(self.string(name)).filter(|s| !s.is_empty())
    }
    pub fn boolean(&self, name: &str) -> bool {
        matches!(self.set.get(name), Some(Value::Bool(true)))
    }
    pub fn int(&self, name: &str) -> i64 {
        match self.set.get(name) {
            Some(Value::Int(n)) => *n,
            _ => 0,
        }
    }
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.set.get(name) {
            Some(Value::List(l)) => l.clone(),
            _ => Vec::new(),
        }
    }
    pub fn map(&self, name: &str) -> BTreeMap<String, String> {
        match self.set.get(name) {
            Some(Value::Map(m)) => m.clone(),
            _ => BTreeMap::new(),
        }
    }
}

/// The values a list flag already has (a repeated flag appends to them).
fn prior_list(prior: Option<Value>) -> Vec<String> {
    match prior {
        Some(Value::List(l)) => l,
        _ => Vec::new(),
    }
}

fn by_long<'a>(flags: &'a [Flag], name: &str) -> Option<&'a Flag> {
    flags.iter().find(|f| f.name == name)
}

fn by_short(flags: &[Flag], c: char) -> Option<&Flag> {
    flags
        .iter()
        .find(|f| f.shorthand.as_deref() == Some(c.encode_utf8(&mut [0; 4])))
}

/// Go's `%q` of a string.
pub fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// How pflag names a flag in an `invalid argument` error: `-o, --output` or `--name`.
fn flag_title(f: &Flag) -> String {
    match &f.shorthand {
        Some(c) => format!("-{c}, --{}", f.name),
        None => format!("--{}", f.name),
    }
}

/// Splits a value as Go's encoding/csv reads one line (pflag's slice and map flags).
fn csv_fields(v: &str) -> Result<Vec<String>, String> {
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = v.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
            at_start = true;
        } else {
            if c == '"' {
                return Err("parse error on line 1, column 1: bare \" in non-quoted-field".into());
            }
            cur.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err("parse error on line 1: extraneous or missing \" in quoted-field".into());
    }
    out.push(cur);
    Ok(out)
}

/// Go's `time.ParseDuration`, enough to accept what it accepts.
fn duration_ok(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    if v == "0" {
        return true;
    }
    if v.is_empty() {
        return false;
    }
    let mut rest = v;
    while !rest.is_empty() {
        let num = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num == 0 {
            return false;
        }
        rest = &rest[num..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !["ns", "us", "µs", "μs", "ms", "s", "m", "h"].contains(&&rest[..unit]) {
            return false;
        }
        rest = &rest[unit..];
    }
    true
}

/// Sets flag `f` from `value` as pflag's `Set` does (slices append after the first set,
/// maps merge).
fn set(parsed: &mut Parsed, f: &Flag, value: &str) -> Result<(), String> {
    let bad = |e: String| {
        format!(
            "invalid argument {} for {} flag: {e}",
            go_quote(value),
            go_quote(&flag_title(f))
        )
    };
    let prior = parsed.set.get(&f.name).cloned();
    let v = match f.kind.as_str() {
        "bool" => match value {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Value::Bool(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Value::Bool(false),
            _ => {
                return Err(bad(format!(
                    "strconv.ParseBool: parsing {}: invalid syntax",
                    go_quote(value)
                )));
            }
        },
        "string" => Value::Str(value.to_owned()),
        "int64" | "int" => match value.parse::<i64>() {
            Ok(n) => Value::Int(n),
            Err(e) => {
                let why = if matches!(
                    e.kind(),
                    std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                ) {
                    "value out of range"
                } else {
                    "invalid syntax"
                };
                return Err(bad(format!(
                    "strconv.ParseInt: parsing {}: {why}",
                    go_quote(value)
                )));
            }
        },
        "duration" => {
            if !duration_ok(value) {
                return Err(bad(format!("time: invalid duration {}", go_quote(value))));
            }
            Value::Str(value.to_owned())
        }
        "stringArray" => {
            let mut l = prior_list(prior);
            l.push(value.to_owned());
            Value::List(l)
        }
        "stringSlice" => {
            let fields = csv_fields(value).map_err(bad)?;
            let mut l = prior_list(prior);
            l.extend(fields);
            Value::List(l)
        }
        "stringToString" => {
            let fields = csv_fields(value).map_err(bad)?;
            let mut m = match prior {
                Some(Value::Map(m)) => m,
                _ => BTreeMap::new(),
            };
            for pair in fields {
                match pair.split_once('=') {
                    Some((k, v)) => {
                        m.insert(k.to_owned(), v.to_owned());
                    }
                    None => return Err(bad(format!("{pair} must be formatted as key=value"))),
                }
            }
            Value::Map(m)
        }
        other => return Err(format!("the stand-in does not know the flag type {other}")),
    };
    parsed.set.insert(f.name.clone(), v);
    Ok(())
}

/// Parses `args` against `flags` as pflag's `FlagSet.Parse` does with interspersed
/// arguments.
pub fn parse(flags: &[Flag], args: &[String]) -> Result<Parsed, String> {
    let mut p = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a.len() < 2 || !a.starts_with('-') {
            p.args.push(a.clone());
            continue;
        }
        if a == "--" {
            p.args.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            if long.starts_with('-') || long.starts_with('=') {
                return Err(format!("bad flag syntax: {a}"));
            }
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let Some(f) = by_long(flags, name) else {
                return Err(format!("unknown flag: --{name}"));
            };
            let value = match value {
                Some(v) => v,
                None if f.kind == "bool" => "true".into(),
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].clone()
                }
                None => return Err(format!("flag needs an argument: {a}")),
            };
            set(&mut p, f, &value)?;
            if f.name == "help" {
                p.help = p.boolean("help");
            }
            continue;
        }
        let shorts: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < shorts.len() {
            let c = shorts[j];
            let Some(f) = by_short(flags, c) else {
                return Err(format!("unknown shorthand flag: '{c}' in {a}"));
            };
            let value = if shorts.len() > j + 2 && shorts[j + 1] == '=' {
                let v: String = shorts[j + 2..].iter().collect();
                j = shorts.len();
                v
            } else if f.kind == "bool" {
                j += 1;
                "true".into()
            } else if shorts.len() > j + 1 {
                let v: String = shorts[j + 1..].iter().collect();
                j = shorts.len();
                v
            } else if i < args.len() {
                j += 1;
                i += 1;
                args[i - 1].clone()
            } else {
                return Err(format!("flag needs an argument: '{c}' in {a}"));
            };
            set(&mut p, f, &value)?;
            if f.name == "help" {
                p.help = p.boolean("help");
            }
        }
    }
    Ok(p)
}

/// cobra's `Traverse`: the words that name the command (`["server", "list"]`) among
/// `children(path)`, their indices in `args`, and the index where the command's own
/// arguments start. Flags before a command word are the global flags; a value that
/// follows one is skipped.
pub fn traverse(
    args: &[String],
    global: &[Flag],
    children: impl Fn(&[String]) -> Vec<String>,
) -> (Vec<String>, Vec<usize>, usize) {
    let mut path: Vec<String> = Vec::new();
    let mut at = Vec::new();
    let mut in_flag = false;
    let mut start = 0;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if let Some(long) = a.strip_prefix("--")
            && !a.contains('=')
        {
            in_flag = by_long(global, long).is_none_or(|f| f.kind != "bool");
            continue;
        }
        if a.starts_with('-') && !a.contains('=') && a.chars().count() == 2 {
            let c = a.chars().nth(1).unwrap_or('-');
            in_flag = by_short(global, c).is_none_or(|f| f.kind != "bool");
            continue;
        }
        if in_flag {
            in_flag = false;
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            continue;
        }
        if children(&path).iter().any(|c| c == a) {
            path.push(a.clone());
            at.push(i - 1);
            start = i;
        } else {
            break;
        }
    }
    (path, at, start)
}

/// The positional arguments cobra's `Use` string declares (util.Validate's regex):
/// names in `<…>`, outside `[…]`, `(…)` and `--flag <value>`, and whether the last is
/// variadic (`<…>...`).
pub fn positional(usage: &str) -> (Vec<String>, bool) {
    let re = regex::Regex::new(
        r"\[.*?]|\(.*?\)|--.*?<.*?>|<([a-zA-Z0-9-_]*?)>\.\.\.|<([a-zA-Z0-9-_]*?)>",
    )
    .expect("the pattern is valid");
    let mut names = Vec::new();
    let mut variadic = false;
    for c in re.captures_iter(usage) {
        if let Some(m) = c.get(1) {
            names.push(m.as_str().to_owned());
            variadic = true;
        } else if let Some(m) = c.get(2) {
            names.push(m.as_str().to_owned());
        }
    }
    (names, variadic)
}

/// util.Validate: `Err((lines for stderr, error))` when the positional arguments do not
/// fit `usage` (`full` is the use line with its parents, `hcloud server ip …`).
pub fn validate_positional(
    usage: &str,
    full: &str,
    args: &[String],
) -> Result<(), (String, String)> {
    let (expected, variadic) = positional(usage);
    if args.len() > expected.len() && !variadic {
        return Err((
            format!("{full}\n{}^\n", " ".repeat(full.chars().count() + 1)),
            format!(
                "expected exactly {} positional argument(s), but got {}",
                expected.len(),
                args.len()
            ),
        ));
    }
    for (i, name) in expected.iter().enumerate() {
        if i >= args.len() {
            let mut pre = String::new();
            if let Some(idx) = full.find(&format!("<{name}>")) {
                pre = format!(
                    "{full}\n{}{}\n",
                    " ".repeat(full[..idx].chars().count() + 1),
                    "^".repeat(name.chars().count())
                );
            }
            return Err((
                pre,
                format!("expected argument(s) {name} at position {}", i + 1),
            ));
        }
    }
    Ok(())
}
