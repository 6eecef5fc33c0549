//! Reading the JSON topogen prints.

use serde_json::Value;

/// The first element of the array `list` whose `key` is `value`.
pub(crate) fn find<'a>(list: &'a Value, key: &str, value: impl Into<Value>) -> &'a Value {
    let value = value.into();
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no element with {key} = {value} in {list}"))
}
