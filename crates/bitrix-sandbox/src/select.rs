//! `select`: which fields a list or get shows (`*`, `UF_*`, named fields, crm.item's `fm`).

use serde_json::Value;

use crate::coerce::{as_items, as_text};
use crate::filter::Names;
use crate::schema::{NOLEGACY, NOSTAR, Schema, Ty, UF};

/// The fields to show, in schema order, and whether crm.item's `fm` is included.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    pub fields: Vec<usize>,
    pub fm: bool,
}

impl Selection {
    /// Every field the style shows by default (`*` and `UF_*`).
    pub(crate) fn all(schema: &Schema, names: Names) -> Selection {
        let fields = (0..schema.fields.len())
            .filter(|i| in_star(schema, *i, names) || schema.field(*i).has(UF))
            .collect();
        Selection {
            fields,
            fm: names == Names::Camel,
        }
    }

    /// Every field, including multi-fields (what `get` methods return).
    pub(crate) fn everything(schema: &Schema) -> Selection {
        let fields = (0..schema.fields.len())
            .filter(|i| !schema.field(*i).has(NOLEGACY))
            .collect();
        Selection { fields, fm: true }
    }

    /// Parses `select`: `*`, `UF_*`, and field names; an empty select means the default.
    pub(crate) fn parse(schema: &Schema, value: Option<&Value>, names: Names) -> Selection {
        let items: Vec<String> = value
            .map(as_items)
            .unwrap_or_default()
            .into_iter()
            .filter_map(as_text)
            .filter(|s| !s.is_empty())
            .collect();
        if items.is_empty() {
            return Selection::all(schema, names);
        }
        let mut chosen = vec![false; schema.fields.len()];
        chosen[0] = true;
        let mut fm = false;
        for item in &items {
            match item.as_str() {
                "*" => {
                    for (i, c) in chosen.iter_mut().enumerate() {
                        *c |= in_star(schema, i, names);
                    }
                    fm |= names == Names::Camel;
                }
                "UF_*" => {
                    for (i, c) in chosen.iter_mut().enumerate() {
                        *c |= schema.field(i).has(UF);
                    }
                }
                "fm" if names == Names::Camel => {}
                name => {
                    let index = match names {
                        Names::Upper => schema.index(name),
                        Names::Camel => schema.index_camel(name),
                    };
                    if let Some(i) = index {
                        chosen[i] = true;
                    }
                }
            }
        }
        Selection {
            fields: (0..chosen.len()).filter(|i| chosen[*i]).collect(),
            fm,
        }
    }
}

fn in_star(schema: &Schema, index: usize, names: Names) -> bool {
    let f = schema.field(index);
    match names {
        Names::Upper => !f.has(NOSTAR) && !f.has(UF) && !f.has(NOLEGACY),
        Names::Camel => !f.camel.is_empty() && f.ty != Ty::Multi,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DEAL;
    use serde_json::json;

    #[test]
    fn selection_rules() {
        let s = Selection::parse(&DEAL, Some(&json!(["TITLE"])), Names::Upper);
        assert_eq!(s.fields, vec![0, DEAL.at("TITLE")]);
        let all = Selection::parse(&DEAL, None, Names::Upper);
        assert!(all.fields.contains(&DEAL.at("UF_CRM_1721244482250")));
        assert!(!all.fields.contains(&DEAL.at("CONTACT_IDS")));
        let star = Selection::parse(&DEAL, Some(&json!(["*"])), Names::Upper);
        assert!(!star.fields.contains(&DEAL.at("UF_CRM_1721244482250")));
    }
}
