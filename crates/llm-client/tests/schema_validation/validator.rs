//! A small validator for the subset of JSON Schema the OpenAI OpenAPI 3.1 document uses.
//!
//! Supported: local `$ref`, `allOf`, `anyOf`, `oneOf`, `type` (a name or a list, `null`
//! included), OpenAPI's `nullable`, `enum`, `const`, `required`, `properties`,
//! `additionalProperties`, `items`, `minItems`/`maxItems`, `minLength`/`maxLength`,
//! `minimum`/`maximum`. Annotations (`description`, `default`, `discriminator`, `x-*`...)
//! are ignored.
//!
//! It is stricter than JSON Schema in one way, on purpose: an object may only carry
//! properties the schema declares (across `allOf` branches), unless the schema allows
//! additional properties or declares none. That catches a misspelt or invented field,
//! which the API would reject or silently ignore. Properties marked `deprecated` that a
//! value uses are reported separately.

use serde_json::Value;

/// The result of validating one value.
#[derive(Debug, Default)]
pub struct Report {
    /// Violations, each with the JSON path where it was found.
    pub errors: Vec<String>,
    /// Paths of deprecated properties the value uses.
    pub deprecated: Vec<String>,
}

/// The OpenAPI document.
pub struct Spec {
    root: Value,
}

impl Spec {
    /// Loads an OpenAPI document from YAML (the full spec) or JSON (the extract).
    pub fn load(path: &str) -> Self {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let root: Value = if path.ends_with(".json") {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
        } else {
            serde_norway::from_str::<Lenient>(&text)
                .unwrap_or_else(|e| panic!("{path}: {e}"))
                .0
        };
        Self { root }
    }

    /// A component schema by name.
    pub fn schema(&self, name: &str) -> &Value {
        let schema = &self.root["components"]["schemas"][name];
        assert!(schema.is_object(), "no component schema {name}");
        schema
    }

    /// Validates `value` against the component schema `name`.
    pub fn validate(&self, name: &str, value: &Value) -> Report {
        let mut report = Report::default();
        self.check(self.schema(name), value, "$", true, &mut report);
        report
    }

    /// The component schemas `roots` need, references followed, under `components.schemas`.
    pub fn extract(&self, roots: &[&str]) -> Value {
        let mut names = std::collections::BTreeSet::new();
        let mut todo: Vec<String> = roots.iter().map(|r| (*r).to_owned()).collect();
        while let Some(name) = todo.pop() {
            if names.insert(name.clone()) {
                let mut found = Vec::new();
                collect_refs(self.schema(&name), &mut found);
                todo.extend(
                    found
                        .iter()
                        .map(|r| r.rsplit('/').next().unwrap_or_default().to_owned()),
                );
            }
        }
        let schemas: serde_json::Map<String, Value> = names
            .into_iter()
            .map(|name| {
                let schema = self.schema(&name).clone();
                (name, schema)
            })
            .collect();
        serde_json::json!({ "components": { "schemas": schemas } })
    }

    /// References that point nowhere in this document.
    pub fn dangling_refs(&self) -> Vec<String> {
        let mut found = Vec::new();
        collect_refs(&self.root, &mut found);
        found
            .into_iter()
            .filter(|r| {
                r.strip_prefix('#')
                    .is_none_or(|pointer| self.root.pointer(pointer).is_none())
            })
            .collect()
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut schema = schema;
        while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("only local references are supported: {reference}"));
            schema = self
                .root
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling reference {reference}"));
        }
        schema
    }

    /// Property names declared by `schema` itself and by its `allOf` branches.
    fn declared_properties(&self, schema: &Value, names: &mut Vec<String>) -> bool {
        let schema = self.resolve(schema);
        let mut declares = false;
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            names.extend(properties.keys().cloned());
            declares = true;
        }
        for branch in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            declares |= self.declared_properties(branch, names);
        }
        declares
    }

    fn branch_passes(
        &self,
        schema: &Value,
        value: &Value,
        path: &str,
    ) -> Result<Vec<String>, Vec<String>> {
        let mut report = Report::default();
        self.check(schema, value, path, true, &mut report);
        if report.errors.is_empty() {
            Ok(report.deprecated)
        } else {
            Err(report.errors)
        }
    }

    fn check(&self, schema: &Value, value: &Value, path: &str, strict: bool, report: &mut Report) {
        let schema = self.resolve(schema);
        if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
            return;
        }
        let mut fail = |message: String| report.errors.push(format!("{path}: {message}"));

        if let Some(expected) = schema.get("type") {
            let names: Vec<&str> = match expected {
                Value::String(name) => vec![name.as_str()],
                Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !names.iter().any(|name| type_matches(name, value)) {
                fail(format!(
                    "expected type {}, found {}",
                    names.join("|"),
                    type_name(value)
                ));
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            fail(format!(
                "{value} is not one of {}",
                Value::Array(allowed.clone())
            ));
        }
        if let Some(constant) = schema.get("const")
            && constant != value
        {
            fail(format!("{value} is not the constant {constant}"));
        }
        if let Some(number) = value.as_f64() {
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && number < min
            {
                fail(format!("{number} is below the minimum {min}"));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && number > max
            {
                fail(format!("{number} is above the maximum {max}"));
            }
        }
        if let Some(text) = value.as_str() {
            let length = text.chars().count() as u64;
            if schema
                .get("minLength")
                .and_then(Value::as_u64)
                .is_some_and(|min| length < min)
            {
                fail(format!("string of length {length} is too short"));
            }
            if schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .is_some_and(|max| length > max)
            {
                fail(format!("string of length {length} is too long"));
            }
        }
        if let Some(items) = value.as_array() {
            let count = items.len() as u64;
            if schema
                .get("minItems")
                .and_then(Value::as_u64)
                .is_some_and(|min| count < min)
            {
                fail(format!("{count} items, fewer than minItems"));
            }
            if schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|max| count > max)
            {
                fail(format!("{count} items, more than maxItems"));
            }
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    self.check(item_schema, item, &format!("{path}[{index}]"), true, report);
                }
            }
        }
        if let Some(object) = value.as_object() {
            self.check_object(schema, object, path, strict, report);
        }
        for branch in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // The object level was checked as a whole above; branches only check their part.
            self.check(branch, value, path, false, report);
        }
        for (keyword, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            let Some(branches) = schema.get(keyword).and_then(Value::as_array) else {
                continue;
            };
            let results: Vec<_> = branches
                .iter()
                .map(|b| self.branch_passes(b, value, path))
                .collect();
            let passed: Vec<&Vec<String>> =
                results.iter().filter_map(|r| r.as_ref().ok()).collect();
            let accepted = if exactly_one {
                passed.len() == 1
            } else {
                !passed.is_empty()
            };
            if accepted {
                if let Some(deprecated) = passed.first() {
                    report.deprecated.extend(deprecated.iter().cloned());
                }
            } else {
                let reasons: Vec<String> = results
                    .iter()
                    .filter_map(|r| r.as_ref().err())
                    .flatten()
                    .cloned()
                    .collect();
                report.errors.push(format!(
                    "{path}: {} of {} {keyword} branches match (reasons: {})",
                    passed.len(),
                    branches.len(),
                    reasons.join("; ")
                ));
            }
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        object: &serde_json::Map<String, Value>,
        path: &str,
        strict: bool,
        report: &mut Report,
    ) {
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = required.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                report
                    .errors
                    .push(format!("{path}: missing required property `{name}`"));
            }
        }
        let mut declared = Vec::new();
        let declares = self.declared_properties(schema, &mut declared);
        let additional = schema.get("additionalProperties");
        for (name, value) in object {
            let child = format!("{path}.{name}");
            if let Some(property) = schema.get("properties").and_then(|p| p.get(name)) {
                let deprecated = |s: &Value| s.get("deprecated") == Some(&Value::Bool(true));
                if deprecated(property) || deprecated(self.resolve(property)) {
                    report.deprecated.push(child.clone());
                }
                self.check(property, value, &child, true, report);
            } else if let Some(extra) = additional.filter(|a| a.is_object()) {
                self.check(extra, value, &child, true, report);
            } else if !declared.contains(name)
                && (additional == Some(&Value::Bool(false))
                    || (strict && declares && additional.is_none()))
            {
                report
                    .errors
                    .push(format!("{path}: property `{name}` is not in the schema"));
            }
        }
    }
}

/// A JSON value read from YAML, with integers beyond 64 bits (the spec's `seed` bounds)
/// kept as floats instead of failing.
struct Lenient(Value);

impl<'de> serde::Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor).map(Lenient)
    }
}

struct LenientVisitor;

impl<'de> serde::de::Visitor<'de> for LenientVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok((v as f64).into())
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok((v as f64).into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Lenient(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some((Lenient(key), Lenient(value))) = map.next_entry()? {
            let key = match key {
                Value::String(key) => key,
                other => other.to_string(),
            };
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

fn collect_refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => found.push(reference.clone()),
                    _ => collect_refs(child, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, found)),
        _ => {}
    }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
