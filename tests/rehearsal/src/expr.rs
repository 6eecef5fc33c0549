//! GitHub Actions expressions (`${{ … }}`): parser and evaluator.
//!
//! Semantics follow GitHub's documentation, "Evaluate expressions in
//! workflows and actions" (docs.github.com/en/actions/reference/workflows-and-actions/expressions):
//! literals (`null`, booleans, numbers including hex and exponents, single-quoted
//! strings with `''` as the escaped quote), the operators in their documented
//! precedence (`()`, `[]`, `.`, `!`, `< <= > >=`, `== !=`, `&&`, `||`), loose
//! equality with coercion to numbers, case-insensitive string comparison, the
//! object filter `*`, and the functions `contains`, `startsWith`, `endsWith`,
//! `format`, `join`, `toJSON`, `fromJSON` and the status functions. Anything
//! else (`hashFiles`, unknown functions) is refused.

use std::collections::BTreeMap;
use std::fmt;

/// A value of the expression language.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Value>),
    Obj(BTreeMap<String, Value>),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// Documented falsy values: `false`, `0`, `-0`, `""`, `null`, `NaN`.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => !(*n == 0.0 || n.is_nan()),
            Value::Str(s) => !s.is_empty(),
            Value::Arr(_) | Value::Obj(_) => true,
        }
    }

    /// Coercion to a number, as the docs' table says: null is 0, true 1 and
    /// false 0, a string is parsed as any legal JSON number (hex too) with the
    /// empty string 0 and anything else NaN, arrays and objects NaN.
    pub fn to_num(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Num(n) => *n,
            Value::Str(s) => parse_number(s.trim()).unwrap_or(f64::NAN),
            Value::Arr(_) | Value::Obj(_) => f64::NAN,
        }
    }

    /// Conversion to a string (what `${{ }}` interpolation writes): null is
    /// the empty string, booleans `true`/`false`, integers without a fraction,
    /// arrays `Array` and objects `Object`.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => number_text(*n),
            Value::Str(s) => s.clone(),
            Value::Arr(_) => "Array".to_string(),
            Value::Obj(_) => "Object".to_string(),
        }
    }

    /// Property access: case-insensitive, as GitHub's contexts are; a missing
    /// property (or access on a non-object) is null.
    pub fn get(&self, key: &str) -> Value {
        match self {
            Value::Obj(map) => map
                .get(key)
                .or_else(|| {
                    map.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key))
                        .map(|(_, v)| v)
                })
                .cloned()
                .unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Num(n) => {
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    serde_json::Value::from(*n as i64)
                } else {
                    serde_json::Number::from_f64(*n)
                        .map(serde_json::Value::Number)
                        .unwrap_or(serde_json::Value::Null)
                }
            }
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Arr(a) => serde_json::Value::Array(a.iter().map(Value::to_json).collect()),
            Value::Obj(o) => {
                serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(a) => Value::Arr(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Obj(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// A JSON-style number, or `0x` hex; not `inf`/`NaN` words. Empty is 0.
fn parse_number(s: &str) -> Option<f64> {
    if s.is_empty() {
        return Some(0.0);
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|n| n as f64);
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
    {
        return None;
    }
    s.parse::<f64>().ok()
}

fn number_text(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Loose equality (`==`): same types compare by value (strings ignoring
/// case, NaN never equal, arrays and objects only when the same instance,
/// which a value copy never is); different types are coerced to numbers.
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x.to_lowercase() == y.to_lowercase(),
        (Value::Arr(_), _) | (Value::Obj(_), _) | (_, Value::Arr(_)) | (_, Value::Obj(_)) => false,
        _ => {
            let (x, y) = (a.to_num(), b.to_num());
            x == y
        }
    }
}

/// `<`, `<=`, `>`, `>=`: two strings compare ignoring case; otherwise both
/// sides are coerced to numbers (any NaN makes the comparison false).
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        _ => a.to_num().partial_cmp(&b.to_num()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// The parsed form of an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Lit(Value),
    /// A named value: a context (`github`, `inputs`, …).
    Ctx(String),
    Prop(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// The object filter `.*` / `[*]`.
    Star(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

/// What the status functions return where an `if:` is evaluated. For a
/// step: `success` when no earlier step failed, `failure` when one did. For
/// a job: `success` when every ancestor job succeeded (a skipped ancestor
/// makes it false), `failure` when any ancestor failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub success: bool,
    pub failure: bool,
    pub cancelled: bool,
}

impl Default for Status {
    fn default() -> Self {
        Status {
            success: true,
            failure: false,
            cancelled: false,
        }
    }
}

pub const STATUS_FUNCTIONS: [&str; 4] = ["success", "failure", "always", "cancelled"];

/// The named values available where an expression is evaluated; a context
/// not present is an error, as on GitHub ("unrecognized named-value").
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub contexts: BTreeMap<String, Value>,
    /// `Some` only in an `if:` (the status functions are allowed there).
    pub status: Option<Status>,
}

impl Scope {
    pub fn with(mut self, name: &str, value: Value) -> Scope {
        self.contexts.insert(name.to_string(), value);
        self
    }
}

// ------------------------------------------------------------------ lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Dot,
    Comma,
    Star,
    Not,
    Op(BinOp),
    Ident(String),
    Num(f64),
    Str(String),
}

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => (out.push(Tok::LParen), i += 1).1,
            ')' => (out.push(Tok::RParen), i += 1).1,
            '[' => (out.push(Tok::LBracket), i += 1).1,
            ']' => (out.push(Tok::RBracket), i += 1).1,
            ',' => (out.push(Tok::Comma), i += 1).1,
            '*' => (out.push(Tok::Star), i += 1).1,
            '.' if !next.is_some_and(|n| n.is_ascii_digit())
                || matches!(
                    out.last(),
                    Some(Tok::Ident(_) | Tok::RBracket | Tok::RParen)
                ) =>
            {
                out.push(Tok::Dot);
                i += 1;
            }
            '!' if next == Some('=') => (out.push(Tok::Op(BinOp::Ne)), i += 2).1,
            '!' => (out.push(Tok::Not), i += 1).1,
            '=' if next == Some('=') => (out.push(Tok::Op(BinOp::Eq)), i += 2).1,
            '<' if next == Some('=') => (out.push(Tok::Op(BinOp::Le)), i += 2).1,
            '<' => (out.push(Tok::Op(BinOp::Lt)), i += 1).1,
            '>' if next == Some('=') => (out.push(Tok::Op(BinOp::Ge)), i += 2).1,
            '>' => (out.push(Tok::Op(BinOp::Gt)), i += 1).1,
            '&' if next == Some('&') => (out.push(Tok::Op(BinOp::And)), i += 2).1,
            '|' if next == Some('|') => (out.push(Tok::Op(BinOp::Or)), i += 2).1,
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(format!("unterminated string in `{src}`")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(s));
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || chars[i] == '.'
                        || ((chars[i] == '-' || chars[i] == '+')
                            && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n = parse_number(&text)
                    .filter(|_| text != "-" && text != "+")
                    .ok_or_else(|| format!("unexpected symbol `{text}` in `{src}`"))?;
                out.push(Tok::Num(n));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '-')
                {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected symbol `{other}` in `{src}`")),
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ parser

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    src: &'a str,
}

/// Parses the text between `${{` and `}}` (or a bare `if:` condition).
pub fn parse(src: &str) -> Result<Expr, String> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err("empty expression".to_string());
    }
    let mut p = Parser { toks, pos: 0, src };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected `{:?}` in `{src}`", p.toks[p.pos]));
    }
    Ok(e)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, t: &Tok) -> Result<(), String> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(format!("expected `{t:?}` in `{}`", self.src))
        }
    }
    fn binary(
        &mut self,
        ops: &[BinOp],
        next: fn(&mut Self) -> Result<Expr, String>,
    ) -> Result<Expr, String> {
        let mut left = next(self)?;
        while let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            if !ops.contains(&op) {
                break;
            }
            self.pos += 1;
            let right = next(self)?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn or(&mut self) -> Result<Expr, String> {
        self.binary(&[BinOp::Or], Self::and)
    }
    fn and(&mut self) -> Result<Expr, String> {
        self.binary(&[BinOp::And], Self::equality)
    }
    fn equality(&mut self) -> Result<Expr, String> {
        self.binary(&[BinOp::Eq, BinOp::Ne], Self::comparison)
    }
    fn comparison(&mut self) -> Result<Expr, String> {
        self.binary(&[BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge], Self::unary)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat(&Tok::Not) {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.postfix()
    }
    fn postfix(&mut self) -> Result<Expr, String> {
        let mut e = self.primary()?;
        loop {
            if self.eat(&Tok::Dot) {
                match self.toks.get(self.pos).cloned() {
                    Some(Tok::Star) => {
                        self.pos += 1;
                        e = Expr::Star(Box::new(e));
                    }
                    Some(Tok::Ident(name)) => {
                        self.pos += 1;
                        e = Expr::Prop(Box::new(e), name);
                    }
                    _ => return Err(format!("expected a property name in `{}`", self.src)),
                }
            } else if self.eat(&Tok::LBracket) {
                if self.eat(&Tok::Star) {
                    e = Expr::Star(Box::new(e));
                } else {
                    let idx = self.or()?;
                    e = Expr::Index(Box::new(e), Box::new(idx));
                }
                self.expect(&Tok::RBracket)?;
            } else {
                return Ok(e);
            }
        }
    }
    fn primary(&mut self) -> Result<Expr, String> {
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| format!("unexpected end of expression `{}`", self.src))?;
        self.pos += 1;
        match tok {
            Tok::LParen => {
                let e = self.or()?;
                self.expect(&Tok::RParen)?;
                Ok(e)
            }
            Tok::Num(n) => Ok(Expr::Lit(Value::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Value::Str(s))),
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Lit(Value::Bool(true))),
                "false" => Ok(Expr::Lit(Value::Bool(false))),
                "null" => Ok(Expr::Lit(Value::Null)),
                "NaN" => Ok(Expr::Lit(Value::Num(f64::NAN))),
                "Infinity" => Ok(Expr::Lit(Value::Num(f64::INFINITY))),
                _ if self.eat(&Tok::LParen) => {
                    let mut args = Vec::new();
                    if !self.eat(&Tok::RParen) {
                        loop {
                            args.push(self.or()?);
                            if self.eat(&Tok::RParen) {
                                break;
                            }
                            self.expect(&Tok::Comma)?;
                        }
                    }
                    check_arity(&name, args.len())?;
                    Ok(Expr::Call(name, args))
                }
                _ => Ok(Expr::Ctx(name)),
            },
            other => Err(format!("unexpected `{other:?}` in `{}`", self.src)),
        }
    }
}

/// Function names are case-insensitive on GitHub; stored lowercased.
fn check_arity(name: &str, n: usize) -> Result<(), String> {
    let (min, max) = match name.to_ascii_lowercase().as_str() {
        "success" | "failure" | "always" | "cancelled" => (0, 0),
        "contains" | "startswith" | "endswith" => (2, 2),
        "format" => (1, usize::MAX),
        "join" => (1, 2),
        "tojson" | "fromjson" => (1, 1),
        "hashfiles" => return Err("unsupported: function `hashFiles`".to_string()),
        _ => return Err(format!("unsupported: unknown function `{name}`")),
    };
    if n < min || n > max {
        return Err(format!(
            "function `{name}` takes {min}..{max} arguments, got {n}"
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------ evaluator

/// Evaluates `e`. The second half of the result says whether the value is
/// the output of an object filter (property access then maps over it).
pub fn eval(e: &Expr, scope: &Scope) -> Result<Value, String> {
    eval_f(e, scope).map(|(v, _)| v)
}

fn eval_f(e: &Expr, scope: &Scope) -> Result<(Value, bool), String> {
    Ok(match e {
        Expr::Lit(v) => (v.clone(), false),
        Expr::Ctx(name) => {
            let key = name.to_ascii_lowercase();
            match scope.contexts.get(&key) {
                Some(v) => (v.clone(), false),
                None => return Err(format!("unrecognized named-value: `{name}`")),
            }
        }
        Expr::Prop(base, name) => {
            let (v, filtered) = eval_f(base, scope)?;
            deref(v, filtered, |v| v.get(name))
        }
        Expr::Index(base, idx) => {
            let (v, filtered) = eval_f(base, scope)?;
            let i = eval(idx, scope)?;
            deref(v, filtered, |v| index(v, &i))
        }
        Expr::Star(base) => {
            let (v, filtered) = eval_f(base, scope)?;
            let items = |v: Value| match v {
                Value::Arr(a) => a,
                Value::Obj(o) => o.into_values().collect(),
                _ => Vec::new(),
            };
            if filtered {
                let Value::Arr(outer) = v else {
                    unreachable!("a filtered value is an array")
                };
                (
                    Value::Arr(outer.into_iter().flat_map(items).collect()),
                    true,
                )
            } else {
                (Value::Arr(items(v)), true)
            }
        }
        Expr::Not(inner) => (Value::Bool(!eval(inner, scope)?.truthy()), false),
        Expr::Bin(BinOp::And, l, r) => {
            let lv = eval(l, scope)?;
            if !lv.truthy() {
                (lv, false)
            } else {
                (eval(r, scope)?, false)
            }
        }
        Expr::Bin(BinOp::Or, l, r) => {
            let lv = eval(l, scope)?;
            if lv.truthy() {
                (lv, false)
            } else {
                (eval(r, scope)?, false)
            }
        }
        Expr::Bin(op, l, r) => {
            let (a, b) = (eval(l, scope)?, eval(r, scope)?);
            use std::cmp::Ordering::*;
            let res = match op {
                BinOp::Eq => loose_eq(&a, &b),
                BinOp::Ne => !loose_eq(&a, &b),
                BinOp::Lt => compare(&a, &b) == Some(Less),
                BinOp::Le => matches!(compare(&a, &b), Some(Less | Equal)),
                BinOp::Gt => compare(&a, &b) == Some(Greater),
                BinOp::Ge => matches!(compare(&a, &b), Some(Greater | Equal)),
                BinOp::And | BinOp::Or => unreachable!("handled above"),
            };
            (Value::Bool(res), false)
        }
        Expr::Call(name, args) => (call(name, args, scope)?, false),
    })
}

fn deref(v: Value, filtered: bool, f: impl Fn(&Value) -> Value) -> (Value, bool) {
    if filtered {
        let Value::Arr(items) = v else {
            unreachable!("a filtered value is an array")
        };
        let mapped = items.iter().map(&f).filter(|v| *v != Value::Null).collect();
        (Value::Arr(mapped), true)
    } else {
        (f(&v), false)
    }
}

fn index(v: &Value, i: &Value) -> Value {
    match (v, i) {
        (Value::Arr(a), _) => {
            let n = i.to_num();
            if n.fract() == 0.0 && n >= 0.0 {
                a.get(n as usize).cloned().unwrap_or(Value::Null)
            } else {
                Value::Null
            }
        }
        (Value::Obj(_), Value::Str(s)) => v.get(s),
        (Value::Obj(_), other) => v.get(&other.to_text()),
        _ => Value::Null,
    }
}

fn call(name: &str, args: &[Expr], scope: &Scope) -> Result<Value, String> {
    let lower = name.to_ascii_lowercase();
    if STATUS_FUNCTIONS.contains(&lower.as_str()) {
        let Some(status) = scope.status else {
            return Err(format!("function `{name}` is only allowed in `if:`"));
        };
        return Ok(Value::Bool(match lower.as_str() {
            "success" => status.success,
            "failure" => status.failure,
            "cancelled" => status.cancelled,
            _ => true,
        }));
    }
    let vals = args
        .iter()
        .map(|a| eval(a, scope))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match lower.as_str() {
        "contains" => Value::Bool(match &vals[0] {
            Value::Arr(items) => items.iter().any(|x| loose_eq(x, &vals[1])),
            search => search
                .to_text()
                .to_lowercase()
                .contains(&vals[1].to_text().to_lowercase()),
        }),
        "startswith" => Value::Bool(
            vals[0]
                .to_text()
                .to_lowercase()
                .starts_with(&vals[1].to_text().to_lowercase()),
        ),
        "endswith" => Value::Bool(
            vals[0]
                .to_text()
                .to_lowercase()
                .ends_with(&vals[1].to_text().to_lowercase()),
        ),
        "format" => Value::Str(format_string(&vals[0].to_text(), &vals[1..])?),
        "join" => {
            let sep = vals.get(1).map_or(",".to_string(), Value::to_text);
            match &vals[0] {
                Value::Arr(items) => Value::Str(
                    items
                        .iter()
                        .map(Value::to_text)
                        .collect::<Vec<_>>()
                        .join(&sep),
                ),
                other => Value::Str(other.to_text()),
            }
        }
        "tojson" => Value::Str(
            serde_json::to_string_pretty(&vals[0].to_json()).map_err(|e| format!("toJSON: {e}"))?,
        ),
        "fromjson" => {
            let text = vals[0].to_text();
            let parsed: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| format!("fromJSON: `{text}` is not JSON: {e}"))?;
            Value::from_json(&parsed)
        }
        _ => return Err(format!("unsupported: unknown function `{name}`")),
    })
}

/// `format('{0} {1}', a, b)`: `{N}` is argument N as a string; `{{` and
/// `}}` are literal braces; anything else between braces is an error.
fn format_string(fmt: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut digits = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(d) if d.is_ascii_digit() => digits.push(d),
                        _ => return Err(format!("format: invalid format string `{fmt}`")),
                    }
                }
                let i: usize = digits
                    .parse()
                    .map_err(|_| format!("format: invalid format string `{fmt}`"))?;
                let arg = args
                    .get(i)
                    .ok_or_else(|| format!("format: `{fmt}` has no argument {i}"))?;
                out.push_str(&arg.to_text());
            }
            '}' => return Err(format!("format: invalid format string `{fmt}`")),
            c => out.push(c),
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ templates

/// A string with `${{ … }}` expressions in it.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Text(String),
    Expr(String, Expr),
}

/// Splits `text` into literal text and expressions. A `}}` inside a quoted
/// string of the expression does not end it.
pub fn parse_template(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        if start > 0 {
            pieces.push(Piece::Text(rest[..start].to_string()));
        }
        let body = &rest[start + 3..];
        let mut in_str = false;
        let mut end = None;
        let bytes = body.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\'' => in_str = !in_str,
                b'}' if !in_str && bytes.get(i + 1) == Some(&b'}') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let end = end.ok_or_else(|| format!("unterminated `${{{{` in `{text}`"))?;
        let src = body[..end].trim();
        pieces.push(Piece::Expr(src.to_string(), parse(src)?));
        rest = &body[end + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

/// Evaluates a template. A template that is exactly one expression keeps
/// the expression's type (as GitHub does for `with:` and `if:`); otherwise
/// the pieces are joined as strings.
pub fn eval_template(text: &str, scope: &Scope) -> Result<Value, String> {
    let pieces = parse_template(text)?;
    if let [Piece::Expr(_, e)] = pieces.as_slice() {
        return eval(e, scope);
    }
    let mut out = String::new();
    for p in &pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Expr(_, e) => out.push_str(&eval(e, scope)?.to_text()),
        }
    }
    Ok(Value::Str(out))
}

/// Parses an `if:` condition: either wrapped in `${{ }}` or bare.
pub fn parse_condition(text: &str) -> Result<Expr, String> {
    let t = text.trim();
    if t.starts_with("${{")
        && t.ends_with("}}")
        && let [Piece::Expr(_, e)] = parse_template(t)?.as_slice()
    {
        return Ok(e.clone());
    }
    parse(t)
}

/// Whether the condition calls a status function; if not, GitHub evaluates
/// it as `success() && (condition)`.
pub fn uses_status_function(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |e| {
        if let Expr::Call(name, _) = e {
            found |= STATUS_FUNCTIONS.contains(&name.to_ascii_lowercase().as_str());
        }
    });
    found
}

/// Evaluates an `if:` with the implicit `success() &&` where no status
/// function is called.
pub fn eval_condition(e: &Expr, scope: &Scope) -> Result<bool, String> {
    let value = eval(e, scope)?.truthy();
    if uses_status_function(e) {
        Ok(value)
    } else {
        Ok(scope.status.unwrap_or_default().success && value)
    }
}

/// Visits every node of `e`.
pub fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Lit(_) | Expr::Ctx(_) => {}
        Expr::Prop(b, _) | Expr::Star(b) | Expr::Not(b) => walk(b, f),
        Expr::Index(a, b) | Expr::Bin(_, a, b) => {
            walk(a, f);
            walk(b, f);
        }
        Expr::Call(_, args) => args.iter().for_each(|a| walk(a, f)),
    }
}

/// The property paths an expression reads from its contexts, e.g.
/// `needs.provision.outputs.ip` as `["needs", "provision", "outputs", "ip"]`
/// (a literal index counts as a property; `*` as `"*"`).
pub fn references(e: &Expr) -> Vec<Vec<String>> {
    fn path(e: &Expr) -> Option<Vec<String>> {
        match e {
            Expr::Ctx(name) => Some(vec![name.to_ascii_lowercase()]),
            Expr::Prop(b, name) => path(b).map(|mut p| {
                p.push(name.clone());
                p
            }),
            Expr::Index(b, i) => match i.as_ref() {
                Expr::Lit(Value::Str(s)) => path(b).map(|mut p| {
                    p.push(s.clone());
                    p
                }),
                _ => path(b),
            },
            Expr::Star(b) => path(b).map(|mut p| {
                p.push("*".to_string());
                p
            }),
            _ => None,
        }
    }
    let mut all: Vec<Vec<String>> = Vec::new();
    walk(e, &mut |node| {
        if let Some(p) = path(node) {
            // Keep only the longest path of a chain: drop its prefixes.
            all.retain(|q| !(q.len() < p.len() && p.starts_with(q)));
            if !all.iter().any(|q| q.starts_with(&p)) {
                all.push(p);
            }
        }
    });
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        let needs = Value::from_json(&serde_json::json!({
            "a": {"result": "success", "outputs": {"ip": "10.0.0.1"}},
            "b": {"result": "failure", "outputs": {}},
            "c": {"result": "skipped", "outputs": {}},
        }));
        Scope::default()
            .with("needs", needs)
            .with(
                "inputs",
                Value::from_json(&serde_json::json!({"environment": "dev", "n": 3, "flag": false})),
            )
            .with(
                "github",
                Value::from_json(&serde_json::json!({"event_name": "workflow_dispatch", "labels": [{"name": "Bug"}, {"name": "x"}]})),
            )
    }

    fn ev(src: &str) -> Value {
        eval(&parse(src).unwrap(), &scope()).unwrap()
    }

    /// Asserts that each source evaluates to its value.
    fn evaluates<const N: usize>(cases: [(&str, Value); N]) {
        for (src, want) in cases {
            assert_eq!(ev(src), want, "{src}");
        }
    }

    #[test]
    fn literals_as_documented() {
        // docs, "Literals": null, boolean, number (any JSON number format, hex, exponent), string in single quotes.
        evaluates([
            ("null", Value::Null),
            ("true", Value::Bool(true)),
            ("0xff", Value::Num(255.0)),
            ("-9.2", Value::Num(-9.2)),
            ("-2.99e-2", Value::Num(-0.0299)),
            ("'It''s open source!'", Value::str("It's open source!")),
        ]);
        assert!(
            parse("\"double\"").is_err(),
            "double quotes are not string delimiters"
        );
    }

    #[test]
    fn falsy_values_are_exactly_the_documented_ones() {
        // docs: "false, 0, -0, "", null, NaN" are falsy; everything else truthy.
        for f in ["false", "0", "-0", "''", "null", "NaN"] {
            assert!(!ev(f).truthy(), "{f} is falsy");
        }
        for t in [
            "true",
            "1",
            "'0'",
            "'false'",
            "fromJSON('[]')",
            "fromJSON('{}')",
        ] {
            assert!(ev(t).truthy(), "{t} is truthy");
        }
    }

    #[test]
    fn loose_equality_coerces_to_numbers_and_ignores_case() {
        // docs, "Operators": different types coerce to numbers; strings compare ignoring case.
        evaluates([
            ("'ABC' == 'abc'", Value::Bool(true)),
            ("null == 0", Value::Bool(true)),
            ("true == 1", Value::Bool(true)),
            // empty string coerces to 0
            ("'' == 0", Value::Bool(true)),
            ("'0x10' == 16", Value::Bool(true)),
            // a non-number string is NaN
            ("'abc' == 0", Value::Bool(false)),
            ("NaN == NaN", Value::Bool(false)),
            ("null == false", Value::Bool(true)),
            // arrays equal only as one instance
            ("fromJSON('[]') == fromJSON('[]')", Value::Bool(false)),
            ("'a' != 'A'", Value::Bool(false)),
        ]);
    }

    #[test]
    fn ordering_compares_strings_ignoring_case_and_coerces_otherwise() {
        evaluates([
            ("'a' < 'B'", Value::Bool(true)),
            ("'10' > 9", Value::Bool(true)),
            // NaN compares false both ways
            ("'x' < 1 || 'x' >= 1", Value::Bool(false)),
            ("inputs.n <= 3", Value::Bool(true)),
        ]);
    }

    #[test]
    fn and_or_return_operands_and_precedence_is_documented_order() {
        // docs: `&&` binds tighter than `||`; the ternary idiom returns an operand.
        evaluates([
            (
                "inputs.environment == 'dev' && 'small' || 'large'",
                Value::str("small"),
            ),
            (
                "inputs.environment == 'prod' && 'small' || 'large'",
                Value::str("large"),
            ),
            ("!inputs.flag && 1 < 2 == true", Value::Bool(true)),
            ("(true || false) && ''", Value::str("")),
        ]);
    }

    #[test]
    fn property_access_is_case_insensitive_and_missing_is_null() {
        evaluates([
            ("inputs.ENVIRONMENT", Value::str("dev")),
            ("inputs['environment']", Value::str("dev")),
            ("needs.a.outputs.nope", Value::Null),
            ("needs.zzz.outputs.ip", Value::Null),
        ]);
        let err = eval(&parse("secrets.X").unwrap(), &scope()).unwrap_err();
        assert!(err.contains("unrecognized named-value"), "{err}");
    }

    #[test]
    fn object_filter_maps_over_values() {
        // docs, "Object filters": `needs.*.result` is an array of every result.
        evaluates([
            (
                "needs.*.result",
                Value::Arr(vec![
                    Value::str("success"),
                    Value::str("failure"),
                    Value::str("skipped"),
                ]),
            ),
            ("contains(needs.*.result, 'failure')", Value::Bool(true)),
            ("contains(needs.*.result, 'cancelled')", Value::Bool(false)),
            ("contains(github.labels.*.name, 'bug')", Value::Bool(true)),
        ]);
    }

    #[test]
    fn string_functions_ignore_case_and_cast() {
        evaluates([
            ("contains('Hello world', 'llo W')", Value::Bool(true)),
            ("startsWith('Hello', 'he')", Value::Bool(true)),
            ("endsWith('Hello', 'LO')", Value::Bool(true)),
            ("contains(fromJSON('[1, 2]'), '2')", Value::Bool(true)),
            ("format('{0} {{x}} {1}', 'a', 3)", Value::str("a {x} 3")),
        ]);
        assert!(eval(&parse("format('{2}', 1)").unwrap(), &scope()).is_err());
        evaluates([
            (
                "join(fromJSON('[\"a\", 1, true]'), '-')",
                Value::str("a-1-true"),
            ),
            ("join(fromJSON('[\"a\", \"b\"]'))", Value::str("a,b")),
            ("toJSON(inputs.n)", Value::str("3")),
            (
                "toJSON(fromJSON('{\"a\": [1]}'))",
                Value::str("{\n  \"a\": [\n    1\n  ]\n}"),
            ),
            ("fromJSON('true') == true", Value::Bool(true)),
        ]);
    }

    #[test]
    fn the_documentation_examples() {
        // Each example of the docs' "Functions" section, with its documented result.
        evaluates([
            ("contains('Hello world', 'llo')", Value::Bool(true)),
            (
                "contains(fromJSON('[\"push\", \"pull_request\"]'), github.event_name)",
                Value::Bool(false),
            ),
            ("startsWith('Hello world', 'He')", Value::Bool(true)),
            ("endsWith('Hello world', 'ld')", Value::Bool(true)),
            (
                "format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')",
                Value::str("Hello Mona the Octocat"),
            ),
            (
                "format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')",
                Value::str("{Hello Mona the Octocat!}"),
            ),
            ("join(github.labels.*.name, ', ')", Value::str("Bug, x")),
            ("fromJSON('{\"a\": 1}').a", Value::Num(1.0)),
        ]);
    }

    #[test]
    fn unknown_and_unimplemented_functions_are_refused() {
        for src in ["hashFiles('**/x')", "toUpper('x')"] {
            let err = parse(src).unwrap_err();
            assert!(err.starts_with("unsupported"), "{src}: {err}");
        }
        assert!(parse("contains('x')").is_err(), "arity is checked");
    }

    #[test]
    fn status_functions_only_in_if_and_implicit_success() {
        let e = parse_condition("${{ needs.a.result == 'success' }}").unwrap();
        let mut s = scope();
        s.status = Some(Status {
            success: false,
            failure: true,
            cancelled: false,
        });
        assert!(!eval_condition(&e, &s).unwrap(), "implicit success() && …");
        let e = parse_condition("always() && needs.a.result == 'success'").unwrap();
        assert!(eval_condition(&e, &s).unwrap());
        let e = parse_condition("failure()").unwrap();
        assert!(eval_condition(&e, &s).unwrap());
        assert!(
            eval(&parse("success()").unwrap(), &scope()).is_err(),
            "no status outside if:"
        );
    }

    #[test]
    fn templates_interpolate_as_strings_and_single_expressions_keep_type() {
        assert_eq!(
            eval_template("${{ inputs.n }}", &scope()).unwrap(),
            Value::Num(3.0)
        );
        assert_eq!(
            eval_template("n=${{ inputs.n }}!", &scope()).unwrap(),
            Value::str("n=3!")
        );
        assert_eq!(
            eval_template("${{ '}}' }}", &scope()).unwrap(),
            Value::str("}}")
        );
        assert_eq!(
            eval_template("${{ null }}x", &scope()).unwrap(),
            Value::str("x")
        );
        assert!(parse_template("${{ inputs.n ").is_err());
    }

    #[test]
    fn no_input_of_up_to_three_symbols_panics() {
        // Every string of length <= 3 over the symbols that steer the lexer
        // and parser: an error or a value, never a panic.
        let alphabet = [
            "", "a", ".", "*", "[", "]", "(", ")", "'", "!", "=", "<", "&", "|", ",", "-", "1",
            "0x", "e", " ", "needs", "format(", "}}", "${{",
        ];
        let scope = scope();
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let src = format!("{a}{b}{c}");
                    if let Ok(e) = parse(&src) {
                        let _ = eval(&e, &scope);
                        let _ = references(&e);
                    }
                    let _ = eval_template(&src, &scope);
                    let _ = parse_condition(&src);
                }
            }
        }
    }

    #[test]
    fn references_are_the_longest_paths() {
        let e =
            parse("needs.a.outputs.ip == steps['s-1'].outputs.x && contains(needs.*.result, 'x')")
                .unwrap();
        let refs = references(&e);
        assert!(refs.contains(&vec![
            "needs".into(),
            "a".into(),
            "outputs".into(),
            "ip".into()
        ]));
        assert!(refs.contains(&vec![
            "steps".into(),
            "s-1".into(),
            "outputs".into(),
            "x".into()
        ]));
        assert!(refs.contains(&vec!["needs".into(), "*".into(), "result".into()]));
        assert_eq!(refs.len(), 3, "{refs:?}");
    }
}
