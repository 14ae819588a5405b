//! PHP-style query strings (`http_build_query`) for `batch` commands.

use serde_json::Value;
use url::form_urlencoded::byte_serialize;

use crate::error::Error;

/// Encodes JSON parameters the way PHP's `http_build_query` does, so a portal's `parse_str`
/// reads them back: `fields[TITLE]=A&select[0]=ID&filter[>ID]=5`.
///
/// Objects become `key[sub]`, arrays `key[0]`, `key[1]`; booleans `1`/`0` (send `"Y"`/`"N"`
/// for Bitrix flags); `null` an empty value; empty objects and arrays are left out, as PHP
/// does. The top level must be an object, an array (positional methods) or `null`.
pub fn build_query(params: &Value) -> Result<String, Error> {
    let mut pairs = Vec::new();
    match params {
        Value::Null => {}
        Value::Object(map) => {
            for (key, value) in map {
                push_pairs(&encode(key), value, &mut pairs);
            }
        }
        Value::Array(items) => {
            for (index, value) in items.iter().enumerate() {
                push_pairs(&index.to_string(), value, &mut pairs);
            }
        }
        other => {
            return Err(Error::InvalidRequest(format!(
                "parameters must be a JSON object or array, not {other}"
            )));
        }
    }
    Ok(pairs.join("&"))
}

fn encode(text: &str) -> String {
    byte_serialize(text.as_bytes()).collect()
}

fn push_pairs(key: &str, value: &Value, pairs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (sub, inner) in map {
                push_pairs(&format!("{key}[{}]", encode(sub)), inner, pairs);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                push_pairs(&format!("{key}[{index}]"), inner, pairs);
            }
        }
        Value::Null => pairs.push(format!("{key}=")),
        Value::Bool(b) => pairs.push(format!("{key}={}", u8::from(*b))),
        Value::Number(n) => pairs.push(format!("{key}={n}")),
        Value::String(s) => pairs.push(format!("{key}={}", encode(s))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_like_http_build_query() {
        let params = json!({
            "filter": {">OPPORTUNITY": 1000, "@STAGE_ID": ["NEW", "WON"], "%TITLE": "a&b c"},
            "select": ["ID", "TITLE"],
            "order": {"ID": "ASC"},
            "start": -1,
            "fields": {"OPENED": true, "COMMENTS": null, "EMPTY": {}},
        });
        assert_eq!(
            build_query(&params).unwrap(),
            "filter[%3EOPPORTUNITY]=1000&filter[%40STAGE_ID][0]=NEW&filter[%40STAGE_ID][1]=WON\
             &filter[%25TITLE]=a%26b+c&select[0]=ID&select[1]=TITLE&order[ID]=ASC&start=-1\
             &fields[OPENED]=1&fields[COMMENTS]="
        );
    }

    #[test]
    fn positional_and_references() {
        assert_eq!(
            build_query(&json!([123, {"POST_MESSAGE": "hi"}])).unwrap(),
            "0=123&1[POST_MESSAGE]=hi"
        );
        assert_eq!(
            build_query(&json!({"ID": "$result[get_user][UF_DEPARTMENT][0]"})).unwrap(),
            "ID=%24result%5Bget_user%5D%5BUF_DEPARTMENT%5D%5B0%5D"
        );
        assert_eq!(build_query(&Value::Null).unwrap(), "");
        assert!(build_query(&json!("x")).unwrap_err().is_bad_argument());
    }
}
