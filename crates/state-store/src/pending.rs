//! The pending action: a risky call held until the user consents to exactly that call.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::PendingAction;

impl PendingAction {
    /// Holds `method` with `params` for consent, from `created_at` for `ttl`.
    pub fn new(
        method: impl Into<String>,
        params: Value,
        reason: impl Into<String>,
        created_at: DateTime<Utc>,
        ttl: TimeDelta,
    ) -> Self {
        let method = method.into();
        Self {
            hash: Self::hash_of(&method, &params),
            method,
            params,
            reason: reason.into(),
            created_at,
            expires_at: created_at + ttl,
        }
    }

    /// SHA-256 (lower-case hex) over the method, a newline, and the canonical JSON of the
    /// params (object keys sorted, no whitespace), so key order does not change the hash.
    pub fn hash_of(method: &str, params: &Value) -> String {
        let mut text = String::with_capacity(method.len() + 64);
        text.push_str(method);
        text.push('\n');
        write_canonical(params, &mut text);
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    /// Whether the consent offer has lapsed at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Whether the stored hash still matches the stored method and params (a hand-edited
    /// or damaged record does not).
    pub fn is_intact(&self) -> bool {
        self.hash == Self::hash_of(&self.method, &self.params)
    }

    /// Whether `method` with `params` is exactly the held action (and the record is intact).
    pub fn matches(&self, method: &str, params: &Value) -> bool {
        self.is_intact() && self.hash == Self::hash_of(method, params)
    }
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 10, 0, 0).unwrap()
    }

    #[test]
    fn hash_ignores_key_order_but_not_values_or_method() {
        let a = json!({"id": 4512, "fields": {"TITLE": "Поставка", "OPPORTUNITY": 100}});
        let b: Value = serde_json::from_str(
            r#"{"fields": {"OPPORTUNITY": 100, "TITLE": "Поставка"}, "id": 4512}"#,
        )
        .unwrap();
        let h = PendingAction::hash_of("crm.deal.delete", &a);
        assert_eq!(h, PendingAction::hash_of("crm.deal.delete", &b));
        assert_eq!(h.len(), 64);
        assert_ne!(h, PendingAction::hash_of("crm.deal.update", &a));
        assert_ne!(
            h,
            PendingAction::hash_of("crm.deal.delete", &json!({"id": 4513}))
        );
        // The canonical text is fixed: method, newline, sorted compact JSON.
        let mut text = String::new();
        write_canonical(&b, &mut text);
        assert_eq!(
            text,
            r#"{"fields":{"OPPORTUNITY":100,"TITLE":"Поставка"},"id":4512}"#
        );
        assert_eq!(
            PendingAction::hash_of("m", &json!([1, "a"])),
            hex::encode(Sha256::digest(b"m\n[1,\"a\"]"))
        );
    }

    #[test]
    fn consent_binds_to_the_exact_action_until_expiry() {
        let params = json!({"id": 7});
        let p = PendingAction::new(
            "crm.deal.delete",
            params.clone(),
            "deletes a deal",
            now(),
            TimeDelta::minutes(10),
        );
        assert!(p.is_intact());
        assert!(p.matches("crm.deal.delete", &params));
        assert!(!p.matches("crm.deal.delete", &json!({"id": 8})));
        assert!(!p.is_expired(now() + TimeDelta::minutes(9)));
        assert!(p.is_expired(now() + TimeDelta::minutes(10)));

        let mut edited = p.clone();
        edited.params = json!({"id": 8});
        assert!(!edited.is_intact());
        assert!(!edited.matches("crm.deal.delete", &json!({"id": 8})));
    }
}
