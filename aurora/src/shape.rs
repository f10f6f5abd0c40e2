//! The shape of a JSON value: its keys and JSON types, never its values. What we log when
//! an answer of Aurora's cannot be read, so the log says what changed without carrying a
//! customer's data or a token.

use serde_json::Value;

/// `value`'s shape, objects and arrays two levels deep: `{id: string, location: {latitude:
/// number, longitude: null}, tags: [string]}`.
pub fn of(value: &Value) -> String {
    shape(value, 2)
}

fn shape(value: &Value, depth: usize) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
        Value::Array(items) if depth == 0 => format!("[{} items]", items.len()),
        Value::Array(items) => match items.first() {
            None => "[]".into(),
            Some(first) => format!("[{}]", shape(first, depth - 1)),
        },
        Value::Object(_) if depth == 0 => "{..}".into(),
        Value::Object(fields) => {
            let inner: Vec<String> =
                fields.iter().map(|(key, value)| format!("{key}: {}", shape(value, depth - 1))).collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_shape_names_keys_and_types_and_no_value() {
        let value = json!({"id": "secret-id", "n": 3, "ok": true, "gone": null,
            "location": {"latitude": 37.1, "longitude": null}, "tags": ["a"], "deep": {"a": {"b": 1}}});
        let shape = super::of(&value);
        assert_eq!(
            shape,
            "{deep: {a: {..}}, gone: null, id: string, location: {latitude: number, longitude: null}, n: number, \
             ok: bool, tags: [string]}"
        );
        assert!(!shape.contains("secret"));
    }
}
