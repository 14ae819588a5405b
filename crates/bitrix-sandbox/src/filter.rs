//! List queries: `filter` with every prefix operator, `order` and `select`, evaluated
//! against a table's typed rows.

use std::cmp::Ordering;

use serde_json::Value;

use crate::coerce::{as_flag, as_items, as_text, normalize_date};
use crate::errors::ApiError;
use crate::schema::{Schema, Ty};
use crate::store::Row;

/// How keys in `filter`, `order` and `select` name fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// Legacy methods: UPPER_CASE names, case-insensitive; unknown names are ignored.
    Upper,
    /// crm.item: camelCase names; unknown names are an `INVALID_ARG_VALUE` error.
    Camel,
}

/// A filter operator, given as a prefix of the field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    In,
    NotIn,
    Like,
    NotLike,
    Pattern,
    NotPattern,
}

/// Splits an operator prefix off a filter key: `>=OPPORTUNITY` is `(Ge, "OPPORTUNITY")`.
pub(crate) fn split_op(key: &str) -> (Op, &str) {
    const PREFIXES: &[(&str, Op)] = &[
        ("!=%", Op::NotPattern),
        ("!%=", Op::NotPattern),
        ("=%", Op::Pattern),
        ("%=", Op::Pattern),
        ("!%", Op::NotLike),
        ("!@", Op::NotIn),
        ("!=", Op::Ne),
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!", Op::Ne),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("@", Op::In),
        ("%", Op::Like),
    ];
    for (prefix, op) in PREFIXES {
        if let Some(rest) = key.strip_prefix(prefix) {
            return (*op, rest);
        }
    }
    (Op::Eq, key)
}

/// One condition on one field.
#[derive(Debug, Clone)]
pub(crate) struct Cond {
    pub field: usize,
    pub op: Op,
    values: Vec<Value>,
}

/// A filter tree: conditions joined by AND, with OR groups where the method allows them.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Cond(Cond),
    Group { or: bool, nodes: Vec<Node> },
}

/// A parsed `filter` (all root nodes joined by AND).
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub nodes: Vec<Node>,
}

/// Options for parsing a filter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FilterRules {
    pub names: Names,
    /// Whether numeric keys holding objects are nested groups with `logic` (crm.item).
    pub groups: bool,
}

impl Filter {
    /// Parses a `filter` parameter against a schema.
    pub(crate) fn parse(
        schema: &Schema,
        value: Option<&Value>,
        rules: FilterRules,
    ) -> Result<Filter, ApiError> {
        let Some(Value::Object(map)) = value else {
            return Ok(Filter::default());
        };
        Ok(Filter {
            nodes: parse_nodes(schema, map, rules)?,
        })
    }

    /// Whether a row passes the filter.
    pub(crate) fn matches(&self, schema: &Schema, row: &Row) -> bool {
        self.nodes.iter().all(|n| node_matches(schema, n, row))
    }

    /// The root-level lower (`>`/`>=`) and upper (`<`/`<=`) bounds on ID, for range scans.
    pub(crate) fn id_bounds(&self) -> (u64, u64) {
        let (mut lo, mut hi) = (0u64, u64::MAX);
        for node in &self.nodes {
            let Node::Cond(c) = node else { continue };
            if c.field != 0 || c.values.len() != 1 {
                continue;
            }
            let Some(v) = c.values[0].as_f64() else {
                continue;
            };
            let v = v.max(0.0);
            match c.op {
                Op::Gt => lo = lo.max(v.floor() as u64 + 1),
                Op::Ge => lo = lo.max(v.ceil() as u64),
                Op::Lt => hi = hi.min((v.ceil() as u64).saturating_sub(1)),
                Op::Le => hi = hi.min(v.floor() as u64),
                _ => {}
            }
        }
        (lo, hi)
    }
}

fn parse_nodes(
    schema: &Schema,
    map: &serde_json::Map<String, Value>,
    rules: FilterRules,
) -> Result<Vec<Node>, ApiError> {
    let mut nodes = Vec::new();
    for (key, value) in map {
        if rules.groups
            && key.parse::<u64>().is_ok()
            && let Value::Object(inner) = value
        {
            let or = inner
                .get("logic")
                .or_else(|| inner.get("LOGIC"))
                .and_then(Value::as_str)
                .is_some_and(|l| l.eq_ignore_ascii_case("or"));
            let mut inner = inner.clone();
            inner.remove("logic");
            inner.remove("LOGIC");
            nodes.push(Node::Group {
                or,
                nodes: parse_nodes(schema, &inner, rules)?,
            });
            continue;
        }
        let (op, name) = split_op(key);
        let index = match rules.names {
            Names::Upper => schema.index(name),
            Names::Camel => schema.index_camel(name),
        };
        let Some(index) = index else {
            if rules.names == Names::Camel {
                return Err(ApiError::invalid_arg(format!(
                    "Invalid filter: field '{name}' is not allowed in filter"
                )));
            }
            continue;
        };
        let ty = schema.field(index).ty;
        let values = as_items(value).into_iter().cloned().collect();
        nodes.push(Node::Cond(make_cond(index, op, values, ty)));
    }
    Ok(nodes)
}

fn make_cond(field: usize, op: Op, values: Vec<Value>, ty: Ty) -> Cond {
    let op = match (op, values.len()) {
        (Op::Eq, n) if n > 1 => Op::In,
        (Op::Ne, n) if n > 1 => Op::NotIn,
        _ => op,
    };
    let values = values
        .into_iter()
        .map(|v| normalize_filter_value(ty, v))
        .collect();
    Cond { field, op, values }
}

/// Brings a filter value into the comparable form of the field type.
fn normalize_filter_value(ty: Ty, value: Value) -> Value {
    let text = as_text(&value);
    if ty.is_date() {
        return match text {
            Some(t) if !t.trim().is_empty() => {
                normalize_date(&t, false).map_or(Value::Bool(false), Value::String)
            }
            _ => Value::Null,
        };
    }
    match (ty, text) {
        (_, None) => Value::Null,
        (_, Some(t)) if t.trim().is_empty() => Value::Null,
        (Ty::Int | Ty::IntNum | Ty::Double | Ty::IntList, Some(t)) => match t.trim().parse() {
            Ok(f) => Value::from(f64::max(f, f64::MIN)),
            // A number field compared with a non-number matches nothing.
            Err(_) => Value::Bool(false),
        },
        (Ty::Char, Some(_)) => Value::String(
            if as_flag(&value) == Some(true) {
                "Y"
            } else {
                "N"
            }
            .into(),
        ),
        (Ty::Bool, Some(_)) => Value::Bool(as_flag(&value) == Some(true)),
        (_, Some(t)) => Value::String(t.to_lowercase()),
    }
}

fn node_matches(schema: &Schema, node: &Node, row: &Row) -> bool {
    match node {
        Node::Cond(c) => cond_matches(schema.field(c.field).ty, c, row.get(c.field)),
        Node::Group { or: true, nodes } => {
            nodes.is_empty() || nodes.iter().any(|n| node_matches(schema, n, row))
        }
        Node::Group { or: false, nodes } => nodes.iter().all(|n| node_matches(schema, n, row)),
    }
}

/// The stored value as a comparable scalar (numbers as f64, text lowercased).
fn comparable(ty: Ty, stored: &Value) -> Value {
    match stored {
        Value::Null => Value::Null,
        Value::Number(n) if ty.is_numeric() || ty == Ty::IntList => {
            Value::from(n.as_f64().unwrap_or_default())
        }
        Value::String(s) if !ty.is_date() && ty != Ty::Char => Value::String(s.to_lowercase()),
        other => other.clone(),
    }
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The stored values a condition looks at: one scalar, or each item of a list field.
fn stored_items(ty: Ty, stored: &Value) -> Vec<Value> {
    match (ty, stored) {
        (Ty::Multi, Value::Array(items)) => items
            .iter()
            .map(|i| comparable(Ty::Str, i.get("VALUE").unwrap_or(&Value::Null)))
            .collect(),
        (Ty::IntList | Ty::StrList, Value::Array(items)) => {
            items.iter().map(|i| comparable(ty, i)).collect()
        }
        (Ty::Multi | Ty::IntList | Ty::StrList, _) => Vec::new(),
        _ => vec![comparable(ty, stored)],
    }
}

fn cond_matches(ty: Ty, cond: &Cond, stored: &Value) -> bool {
    let items = stored_items(ty, stored);
    let values = &cond.values;
    let equal = |item: &Value, v: &Value| {
        if v.is_null() {
            is_empty_value(item)
        } else {
            compare(item, v) == Some(Ordering::Equal)
        }
    };
    let any_equal = |v: &Value| {
        if v.is_null() && items.is_empty() {
            return true;
        }
        items.iter().any(|item| equal(item, v))
    };
    let any_item = |test: &dyn Fn(&Value) -> bool| items.iter().any(test);
    match cond.op {
        Op::Eq | Op::In => values.iter().any(any_equal),
        Op::Ne | Op::NotIn => !values.iter().any(any_equal),
        Op::Gt | Op::Ge | Op::Lt | Op::Le => values.iter().all(|v| {
            any_item(&|item: &Value| match compare(item, v) {
                Some(o) => match cond.op {
                    Op::Gt => o == Ordering::Greater,
                    Op::Ge => o != Ordering::Less,
                    Op::Lt => o == Ordering::Less,
                    _ => o != Ordering::Greater,
                },
                None => false,
            })
        }),
        Op::Like | Op::NotLike => {
            let hit = values.iter().any(|v| {
                let needle = text_of(v);
                any_item(&|item: &Value| text_of(item).contains(&needle))
            });
            hit == (cond.op == Op::Like)
        }
        Op::Pattern | Op::NotPattern => {
            let hit = values.iter().any(|v| {
                let pattern: Vec<char> = text_of(v).chars().collect();
                any_item(&|item: &Value| {
                    let text: Vec<char> = text_of(item).chars().collect();
                    like_match(&pattern, &text)
                })
            });
            hit == (cond.op == Op::Pattern)
        }
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        Value::Null => String::new(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// SQL `LIKE`: `%` is any run of characters, `_` any one character.
fn like_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '_' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((bp, bt)) = backtrack {
            p = bp + 1;
            t = bt + 1;
            backtrack = Some((bp, bt + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '%')
}

/// A parsed `order`: fields with their direction (`true` = descending).
#[derive(Debug, Clone, Default)]
pub(crate) struct Order(pub Vec<(usize, bool)>);

impl Order {
    /// Parses an `order` object (`{"FIELD": "ASC"|"DESC"}`).
    pub(crate) fn parse(
        schema: &Schema,
        value: Option<&Value>,
        names: Names,
    ) -> Result<Order, ApiError> {
        let Some(Value::Object(map)) = value else {
            return Ok(Order::default());
        };
        let mut fields = Vec::new();
        for (key, dir) in map {
            let dir_text = as_text(dir).unwrap_or_default().to_ascii_uppercase();
            let index = match names {
                Names::Upper => schema.index(key),
                Names::Camel => schema.index_camel(key),
            };
            match (names, index, dir_text.as_str()) {
                (_, Some(i), "ASC" | "DESC") => fields.push((i, dir_text == "DESC")),
                (Names::Upper, Some(i), _) => fields.push((i, false)),
                (Names::Upper, None, _) => {}
                (Names::Camel, _, _) => {
                    return Err(ApiError::invalid_arg(format!(
                        "Invalid order: field '{key}' or direction '{dir_text}' is not allowed"
                    )));
                }
            }
        }
        Ok(Order(fields))
    }

    /// Whether rows come in plain ID order (no order, or only by ID): `Some(descending)`.
    pub(crate) fn by_id_only(&self) -> Option<bool> {
        match self.0.as_slice() {
            [] => Some(false),
            [(0, desc)] => Some(*desc),
            _ => None,
        }
    }

    /// Compares two rows by the order's fields, then by ID.
    pub(crate) fn compare(&self, schema: &Schema, a: &Row, b: &Row) -> Ordering {
        for (field, desc) in &self.0 {
            let ty = schema.field(*field).ty;
            let (x, y) = (comparable(ty, a.get(*field)), comparable(ty, b.get(*field)));
            let ord = match (&x, &y) {
                (Value::Null, Value::Null) => Ordering::Equal,
                (Value::Null, _) => Ordering::Less,
                (_, Value::Null) => Ordering::Greater,
                _ => compare(&x, &y).unwrap_or(Ordering::Equal),
            };
            let ord = if *desc { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.id().cmp(&b.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DEAL;
    use serde_json::json;

    fn deal(id: u64, title: &str, amount: f64, stage: &str) -> Row {
        let mut row = Row::empty(&DEAL);
        row.0[0] = json!(id);
        row.set(&DEAL, "TITLE", title);
        row.set(&DEAL, "OPPORTUNITY", amount);
        row.set(&DEAL, "STAGE_ID", stage);
        row.set(&DEAL, "BEGINDATE", "2025-03-01T00:00:00+03:00");
        row
    }

    fn check(filter: Value, row: &Row) -> bool {
        let rules = FilterRules {
            names: Names::Upper,
            groups: false,
        };
        Filter::parse(&DEAL, Some(&filter), rules)
            .unwrap()
            .matches(&DEAL, row)
    }

    #[test]
    fn every_operator() {
        let row = deal(7, "Поставка ноутбуков", 150000.0, "C1:NEW");
        assert!(check(json!({"=ID": "7"}), &row));
        assert!(check(json!({"ID": 7}), &row));
        assert!(check(json!({"!ID": 8}), &row));
        assert!(check(json!({"!=ID": 8}), &row));
        assert!(check(json!({">OPPORTUNITY": "1000"}), &row));
        assert!(!check(json!({"<OPPORTUNITY": 1000}), &row));
        assert!(check(json!({">=OPPORTUNITY": 150000}), &row));
        assert!(check(json!({"<=OPPORTUNITY": "150000.00"}), &row));
        assert!(check(json!({"@STAGE_ID": ["C1:NEW", "WON"]}), &row));
        assert!(check(json!({"STAGE_ID": ["C1:NEW", "WON"]}), &row));
        assert!(!check(json!({"!@STAGE_ID": ["C1:NEW"]}), &row));
        assert!(check(json!({"%TITLE": "НОУТБУК"}), &row));
        assert!(!check(json!({"!%TITLE": "ноутбук"}), &row));
        assert!(check(json!({"=%TITLE": "Поставка%"}), &row));
        assert!(check(json!({"%=TITLE": "%ноут_уков"}), &row));
        assert!(!check(json!({"=%TITLE": "ноут%"}), &row));
        assert!(check(json!({"!=%TITLE": "ноут%"}), &row));
        assert!(check(json!({">=BEGINDATE": "2025-03-01"}), &row));
        assert!(!check(
            json!({">BEGINDATE": "2025-03-01T00:00:00+03:00"}),
            &row
        ));
        assert!(
            check(json!({"UNKNOWN": "x"}), &row),
            "legacy ignores unknown fields"
        );
        assert!(
            check(json!({"COMPANY_ID": ""}), &row),
            "empty matches empty"
        );
        assert!(!check(json!({"!COMPANY_ID": ""}), &row));
        assert!(!check(json!({">OPPORTUNITY": "abc"}), &row));
    }

    #[test]
    fn camel_filters_with_or_groups_and_strict_names() {
        let rules = FilterRules {
            names: Names::Camel,
            groups: true,
        };
        let f = json!({"0": {"logic": "OR", "0": {"=stageId": "WON"}, "1": {">opportunity": 100}}});
        let filter = Filter::parse(&DEAL, Some(&f), rules).unwrap();
        assert!(filter.matches(&DEAL, &deal(1, "a", 500.0, "NEW")));
        assert!(!filter.matches(&DEAL, &deal(1, "a", 5.0, "NEW")));
        let err = Filter::parse(&DEAL, Some(&json!({"nope": 1})), rules).unwrap_err();
        assert_eq!(err.code, "INVALID_ARG_VALUE");
    }

    #[test]
    fn id_bounds_for_range_scans() {
        let rules = FilterRules {
            names: Names::Upper,
            groups: false,
        };
        let f = Filter::parse(&DEAL, Some(&json!({">ID": "50", "<=ID": 80})), rules).unwrap();
        assert_eq!(f.id_bounds(), (51, 80));
    }

    #[test]
    fn like_patterns() {
        let m = |p: &str, t: &str| {
            like_match(
                &p.chars().collect::<Vec<_>>(),
                &t.chars().collect::<Vec<_>>(),
            )
        };
        assert!(m("%mol%", "the molecule"));
        assert!(m("mol%", "molecule"));
        assert!(!m("mol%", "the mol"));
        assert!(m("a_c", "abc"));
        assert!(m("%", ""));
    }
}
