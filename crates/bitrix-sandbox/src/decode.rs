//! Request decoding: query strings and form bodies with PHP bracket keys, JSON bodies,
//! multipart forms, merged into one parameter object the way PHP's `$_REQUEST` is.

use serde_json::{Map, Value};

use crate::errors::ApiError;

/// Request parameters: the top-level object a method reads.
pub(crate) type Params = Map<String, Value>;

/// Decodes a request's query string and body into one parameter object.
///
/// Body keys override query keys at the top level (as PHP merges `$_GET` and `$_POST`).
pub(crate) fn decode_request(
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Params, ApiError> {
    let mut params = query.map(parse_query).unwrap_or_default();
    let body_params = decode_body(content_type, body)?;
    for (key, value) in body_params {
        params.insert(key, value);
    }
    Ok(params)
}

fn decode_body(content_type: Option<&str>, body: &[u8]) -> Result<Params, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Params::new());
    }
    let raw_type = content_type.unwrap_or_default();
    let content_type = raw_type.to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        // The boundary is case-sensitive: read it from the header as sent.
        let boundary = raw_type
            .split(';')
            .find_map(|part| part.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"').to_owned())
            .ok_or_else(|| bad_body("multipart body without a boundary"))?;
        return Ok(build_params(parse_multipart(body, &boundary)));
    }
    let looks_like_json = matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    );
    if content_type.contains("json") || (!content_type.contains("form") && looks_like_json) {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| bad_body(format!("request body is not valid JSON: {e}")))?;
        return Ok(match value {
            Value::Object(map) => map,
            // Positional methods accept a JSON array: its items become keys "0", "1", ...
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => return Err(bad_body("request body must be a JSON object or array")),
        });
    }
    let text = String::from_utf8_lossy(body);
    Ok(parse_query(&text))
}

fn bad_body(text: impl Into<String>) -> ApiError {
    ApiError::new(400, "INVALID_REQUEST", text.into())
}

/// Parses a query string with PHP `parse_str` semantics (`a[b][c]=1`, `a[]=1`).
pub(crate) fn parse_query(query: &str) -> Params {
    let query = query.strip_prefix('?').unwrap_or(query);
    let pairs = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect::<Vec<_>>();
    build_params(pairs)
}

/// Builds nested parameters from decoded `key=value` pairs with bracket keys.
fn build_params(pairs: Vec<(String, String)>) -> Params {
    let mut root = Map::new();
    for (key, value) in pairs {
        let (base, segments) = split_key(&key);
        if base.is_empty() {
            continue;
        }
        insert_path(&mut root, base, &segments, Value::String(value));
    }
    for value in root.values_mut() {
        normalize_php_arrays(value);
    }
    root
}

/// Splits `fields[PHONE][0][VALUE]` into `fields` and `["PHONE", "0", "VALUE"]`.
/// An empty segment (`select[]`) means "append".
fn split_key(key: &str) -> (&str, Vec<&str>) {
    let Some(open) = key.find('[') else {
        return (key, Vec::new());
    };
    let base = &key[..open];
    let mut segments = Vec::new();
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            break;
        };
        segments.push(&stripped[..close]);
        rest = &stripped[close + 1..];
    }
    if segments.is_empty() {
        // An unclosed bracket: PHP keeps the key as it is.
        return (key, Vec::new());
    }
    (base, segments)
}

fn insert_path(map: &mut Map<String, Value>, key: &str, segments: &[&str], value: Value) {
    let Some((first, rest)) = segments.split_first() else {
        map.insert(key.to_owned(), value);
        return;
    };
    let child = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    let Value::Object(child_map) = child else {
        return;
    };
    let segment = if first.is_empty() {
        next_index(child_map).to_string()
    } else {
        (*first).to_owned()
    };
    insert_path(child_map, &segment, rest, value);
}

/// PHP's next free integer key of an array.
fn next_index(map: &Map<String, Value>) -> u64 {
    map.keys()
        .filter_map(|k| k.parse::<u64>().ok())
        .max()
        .map_or(0, |m| m + 1)
}

/// Turns objects whose keys are exactly `0..n` in order into arrays, as PHP's
/// `json_encode` would show them (nested levels only).
pub(crate) fn normalize_php_arrays(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                normalize_php_arrays(child);
            }
            let sequential = !map.is_empty()
                && map
                    .keys()
                    .enumerate()
                    .all(|(i, k)| k.parse::<usize>() == Ok(i) && k == &i.to_string());
            if sequential {
                let items = std::mem::take(map).into_iter().map(|(_, v)| v).collect();
                *value = Value::Array(items);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_php_arrays),
        _ => {}
    }
}

/// Text fields of a multipart body as `(name, value)` pairs; file parts are skipped.
fn parse_multipart(body: &[u8], boundary: &str) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let mut pairs = Vec::new();
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        let Some((headers, content)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let disposition = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"));
        let Some(disposition) = disposition else {
            continue;
        };
        if disposition.contains("filename=") {
            continue;
        }
        let name = disposition.split(';').find_map(|p| {
            p.trim()
                .strip_prefix("name=")
                .map(|n| n.trim_matches('"').to_owned())
        });
        if let Some(name) = name {
            let content = content.strip_suffix("\r\n").unwrap_or(content);
            pairs.push((name, content.to_owned()));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bracket_keys_nest_like_php() {
        let p = parse_query(
            "fields[TITLE]=My%20company&fields[PHONE][0][VALUE]=112233&fields[PHONE][0][VALUE_TYPE]=WORK\
             &filter[%3E%3DOPPORTUNITY]=1000&filter[@STAGE_ID][0]=NEW&filter[@STAGE_ID][1]=WON\
             &select[]=ID&select[]=NAME&order[ID]=ASC&start=50",
        );
        assert_eq!(
            Value::Object(p),
            json!({
                "fields": {"TITLE": "My company", "PHONE": [{"VALUE": "112233", "VALUE_TYPE": "WORK"}]},
                "filter": {">=OPPORTUNITY": "1000", "@STAGE_ID": ["NEW", "WON"]},
                "select": ["ID", "NAME"],
                "order": {"ID": "ASC"},
                "start": "50"
            })
        );
    }

    #[test]
    fn plus_is_a_space_and_unclosed_brackets_stay() {
        let p = parse_query("a=b+c&x[y=1");
        assert_eq!(p["a"], "b c");
        assert_eq!(p["x[y"], "1");
    }

    #[test]
    fn body_overrides_query_and_json_arrays_become_positional() {
        let p = decode_request(
            Some("start=5&id=1"),
            Some("application/json"),
            br#"{"id": 7}"#,
        )
        .unwrap();
        assert_eq!(p["start"], "5");
        assert_eq!(p["id"], 7);
        let p = decode_request(
            None,
            Some("application/json"),
            br#"[12, {"POST_MESSAGE": "hi"}]"#,
        )
        .unwrap();
        assert_eq!(p["0"], 12);
        assert_eq!(p["1"]["POST_MESSAGE"], "hi");
    }

    #[test]
    fn form_bodies_and_bad_json() {
        let p = decode_request(
            None,
            Some("application/x-www-form-urlencoded"),
            b"id=3&fields[TITLE]=x",
        )
        .unwrap();
        assert_eq!(p["fields"]["TITLE"], "x");
        let err = decode_request(None, Some("application/json"), b"{oops").unwrap_err();
        assert_eq!(err.status, 400);
    }

    #[test]
    fn multipart_text_fields() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"fields[TITLE]\"\r\n\r\nHello\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n5\r\n--XX--\r\n";
        let p = decode_request(
            None,
            Some("multipart/form-data; boundary=XX"),
            body.as_bytes(),
        )
        .unwrap();
        assert_eq!(p["fields"]["TITLE"], "Hello");
        assert_eq!(p["id"], "5");
    }

    #[test]
    fn sparse_numeric_keys_stay_objects() {
        let p = parse_query("a[1]=x&a[2]=y&b[0]=z");
        assert_eq!(p["a"], json!({"1": "x", "2": "y"}));
        assert_eq!(p["b"], json!(["z"]));
    }
}
