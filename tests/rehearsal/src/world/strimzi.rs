//! Applied Strimzi resources checked against the Strimzi 0.48 schemas
//! (`data/strimzi-0.48.0/`, the strict variants: kubectl validates fields
//! strictly by default since 1.27), with the subset of JSON Schema draft-07
//! those files use.

use regex::Regex;
use serde_json::Value;

const KAFKA: &str = include_str!("../../data/strimzi-0.48.0/kafka.v1beta2.strict.json");
const POOL: &str = include_str!("../../data/strimzi-0.48.0/kafkanodepool.v1beta2.strict.json");
const TOPIC: &str = include_str!("../../data/strimzi-0.48.0/kafkatopic.v1beta2.strict.json");

/// The problems of a Strimzi document (`kafka.strimzi.io` Kafka,
/// KafkaNodePool, KafkaTopic); empty when it is valid or of another kind.
pub fn check(doc: &Value) -> Vec<String> {
    let schema = match doc["kind"].as_str() {
        Some("Kafka") => KAFKA,
        Some("KafkaNodePool") => POOL,
        Some("KafkaTopic") => TOPIC,
        _ => return Vec::new(),
    };
    let Ok(root) = serde_json::from_str::<Value>(schema) else {
        return vec!["the bundled schema does not parse".into()];
    };
    let mut errors = Vec::new();
    validate(&root, &root, doc, "", &mut errors);
    errors
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => {
            v.as_i64().is_some()
                || v.as_u64().is_some()
                || v.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn resolve<'a>(root: &'a Value, r: &str) -> Option<&'a Value> {
    let mut v = root;
    for seg in r.strip_prefix("#/")?.split('/') {
        v = v.get(seg)?;
    }
    Some(v)
}

fn validate(root: &Value, s: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let here = if at.is_empty() { "(root)" } else { at };
    let Some(s) = s.as_object() else { return };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        match resolve(root, r) {
            Some(t) => validate(root, t, v, at, errors),
            None => errors.push(format!("{here}: unresolved $ref {r}")),
        }
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| type_ok(t, v)),
            _ => true,
        };
        if !ok {
            errors.push(format!("{here}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errors.push(format!(
            "{here}: {v} is not one of {}",
            Value::Array(e.clone())
        ));
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        errors.push(format!("{here}: {v} is not {c}"));
    }
    if let Some(n) = v.as_f64() {
        if let Some(m) = s.get("minimum").and_then(Value::as_f64)
            && n < m
        {
            errors.push(format!("{here}: {v} is less than the minimum of {m}"));
        }
        if let Some(m) = s.get("maximum").and_then(Value::as_f64)
            && n > m
        {
            errors.push(format!("{here}: {v} is greater than the maximum of {m}"));
        }
    }
    if let Some(text) = v.as_str() {
        let len = text.chars().count() as u64;
        if s.get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| len < m)
        {
            errors.push(format!("{here}: {v} is too short"));
        }
        if s.get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| len > m)
        {
            errors.push(format!("{here}: {v} is too long"));
        }
        if let Some(p) = s.get("pattern").and_then(Value::as_str) {
            match Regex::new(p) {
                Ok(re) if !re.is_match(text) => {
                    errors.push(format!("{here}: {v} does not match {p:?}"))
                }
                Ok(_) => {}
                Err(_) => errors.push(format!(
                    "{here}: the schema's pattern {p:?} does not compile"
                )),
            }
        }
    }
    if let Some(items) = v.as_array() {
        if s.get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| (items.len() as u64) < m)
        {
            errors.push(format!("{here}: has fewer items than allowed"));
        }
        if let Some(item) = s.get("items") {
            for (i, x) in items.iter().enumerate() {
                validate(root, item, x, &format!("{at}/{i}"), errors);
            }
        }
    }
    if let Some(obj) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = r.as_str()
                && !obj.contains_key(r)
            {
                errors.push(format!("{here}: {r:?} is a required property"));
            }
        }
        for (k, x) in obj {
            let path = format!("{at}/{k}");
            if let Some(ps) = props.and_then(|p| p.get(k)) {
                validate(root, ps, x, &path, errors);
            } else {
                match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{here}: additional property {k:?} is not allowed"))
                    }
                    Some(a @ Value::Object(_)) => validate(root, a, x, &path, errors),
                    _ => {}
                }
            }
            if let Some(pn) = s.get("propertyNames") {
                validate(
                    root,
                    pn,
                    &Value::String(k.clone()),
                    &format!("{path} (name)"),
                    errors,
                );
            }
        }
    }
    for sub in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        validate(root, sub, v, at, errors);
    }
    let passes = |sub: &Value| {
        let mut e = Vec::new();
        validate(root, sub, v, at, &mut e);
        e.is_empty()
    };
    if let Some(any) = s.get("anyOf").and_then(Value::as_array)
        && !any.iter().any(passes)
    {
        errors.push(format!("{here}: matches none of anyOf"));
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
        let n = one.iter().filter(|x| passes(x)).count();
        if n != 1 {
            errors.push(format!("{here}: matches {n} of oneOf, not exactly one"));
        }
    }
    if let Some(not) = s.get("not")
        && passes(not)
    {
        errors.push(format!("{here}: matches a `not` schema"));
    }
    if let Some(cond) = s.get("if")
        && passes(cond)
        && let Some(then) = s.get("then")
    {
        validate(root, then, v, at, errors);
    }
}
