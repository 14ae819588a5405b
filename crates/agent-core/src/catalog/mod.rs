//! The tool catalog: every Bitrix24 method the agent may call, with its risk class
//! (`spec/03_tool_catalog.md`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::{PortalContext, StageSemantics};
use crate::language::Lang;
use crate::protocol::ActionCall;
use crate::util::as_u64;

/// How dangerous a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Reads data: get, list, fields, search, statuses, categories, users, departments.
    Read,
    /// Changes data in an ordinary, reversible way: add, update, comments, tasks.
    Write,
    /// Destroys or closes something, or reaches other people: needs the user's consent.
    Risky,
}

impl Risk {
    /// Whether the call changes anything.
    pub fn is_write(self) -> bool {
        self != Risk::Read
    }
}

/// One catalogued method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodSpec {
    /// The full REST method name.
    pub name: &'static str,
    /// The risk class before looking at parameters.
    pub risk: Risk,
    /// Whether canary mode may execute it (within the per-turn budget).
    pub canary: bool,
    /// Key parameters, as shown to the model: `{id, fields}`.
    pub params: &'static str,
}

/// A family of methods shown to the model as one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    /// What the family covers, e.g. `deals`.
    pub about: &'static str,
    /// Its methods.
    pub methods: &'static [MethodSpec],
    /// The most useful fields or a remark, shown after the methods.
    pub notes: &'static str,
}

mod families;

use Risk::{Read, Risky, Write};
pub use families::FAMILIES;

/// Why a call is risky.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RiskReason {
    /// It deletes a record.
    Delete,
    /// The method is risky by itself.
    RiskyMethod,
    /// It moves a record to a won or lost stage.
    ClosingStage {
        /// The stage code.
        stage: String,
    },
    /// It closes a deal (`CLOSED: Y`).
    ClosesDeal,
    /// It closes a lead (status junk or converted).
    ClosesLead,
    /// It sends a message to other people.
    MessageToOthers,
    /// It notifies another person.
    NotifiesOthers,
    /// It is part of an ACTION with more writes than the bulk threshold.
    Bulk {
        /// Writes in that ACTION.
        writes: usize,
    },
}

impl RiskReason {
    /// The reason in words, in the user's language.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            RiskReason::Delete => lang.pick("удаление записи", "deletes a record").into(),
            RiskReason::RiskyMethod => lang.pick("рискованный метод", "a risky method").into(),
            RiskReason::ClosingStage { stage } => match lang {
                Lang::Ru => format!("перевод в финальную стадию (выиграна/проиграна): {stage}"),
                Lang::En => format!("moves the record to a won/lost stage: {stage}"),
            },
            RiskReason::ClosesDeal => lang.pick("закрытие сделки", "closes the deal").into(),
            RiskReason::ClosesLead => lang
                .pick(
                    "закрытие лида (брак/конвертирован)",
                    "closes the lead (junk/converted)",
                )
                .into(),
            RiskReason::MessageToOthers => lang
                .pick("сообщение другим людям", "sends a message to other people")
                .into(),
            RiskReason::NotifiesOthers => lang
                .pick("уведомление другому человеку", "notifies another person")
                .into(),
            RiskReason::Bulk { writes } => match lang {
                Lang::Ru => format!("массовое изменение: {writes} записей за раз"),
                Lang::En => format!("bulk change: {writes} writes at once"),
            },
        }
    }
}

/// The risk of one call, after looking at its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// The risk class.
    pub risk: Risk,
    /// Whether canary mode may execute it.
    pub canary: bool,
    /// Why it is risky (`None` for read/write).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RiskReason>,
}

/// What classification may look at besides the call itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct RiskContext<'a> {
    /// The user's own Bitrix24 user id: notifications to them are ordinary writes.
    pub own_user_id: Option<u64>,
    /// Portal context: stages whose semantics say won/lost make a move risky. It can only
    /// make a call riskier, never less risky.
    pub portal: Option<&'a PortalContext>,
}

/// The catalog of allowed methods.
#[derive(Debug, Clone, Copy)]
pub struct Catalog {
    families: &'static [Family],
}

impl Default for Catalog {
    fn default() -> Self {
        Self::standard()
    }
}

impl Catalog {
    /// The standard catalog ([`FAMILIES`]).
    pub fn standard() -> Self {
        Self { families: FAMILIES }
    }

    /// All methods, in catalog order.
    pub fn methods(&self) -> impl Iterator<Item = &'static MethodSpec> + '_ {
        self.families.iter().flat_map(|f| f.methods.iter())
    }

    /// The spec of `method` (case-insensitive), or `None` when it is not in the catalog.
    pub fn get(&self, method: &str) -> Option<&'static MethodSpec> {
        self.methods().find(|m| m.name.eq_ignore_ascii_case(method))
    }

    /// Classifies a call; `None` when its method is not in the catalog.
    pub fn classify(&self, action: &ActionCall, ctx: &RiskContext<'_>) -> Option<Classification> {
        let spec = self.get(&action.method)?;
        let (risk, reason) = assess(spec, &action.params, ctx);
        Some(Classification {
            risk,
            canary: spec.canary && risk == Write,
            reason,
        })
    }

    /// The catalog as compact prompt text: one line per family with each method's key params.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for family in self.families {
            let mut parts = Vec::new();
            for risk in [Read, Write, Risky] {
                let names: Vec<String> = family
                    .methods
                    .iter()
                    .filter(|m| m.risk == risk)
                    .map(|m| format!("{} {}", m.name, m.params))
                    .collect();
                if !names.is_empty() {
                    let tag = match risk {
                        Read => "read",
                        Write => "write",
                        Risky => "risky",
                    };
                    parts.push(format!("{tag}: {}", names.join(", ")));
                }
            }
            out.push_str(&format!("- {} | {}", family.about, parts.join(" | ")));
            if !family.notes.is_empty() {
                out.push_str(&format!(" | {}", family.notes));
            }
            out.push('\n');
        }
        out
    }
}

/// The risk of a catalogued call given its params, and why it is risky (if it is).
fn assess(spec: &MethodSpec, params: &Value, ctx: &RiskContext<'_>) -> (Risk, Option<RiskReason>) {
    let name = spec.name;
    let to_self = |key: &str| match (top_level(params, key).as_slice(), ctx.own_user_id) {
        ([one], Some(own)) => as_u64(one) == Some(own),
        _ => false,
    };
    if name == "im.message.add" {
        if to_self("dialogid") {
            return (Write, None);
        }
        return (Risky, Some(RiskReason::MessageToOthers));
    }
    if name.starts_with("im.notify.") && !to_self("userid") {
        return (Risky, Some(RiskReason::NotifiesOthers));
    }
    match risky_reason(spec, params, ctx) {
        Some(reason) => (Risky, Some(reason)),
        None => (spec.risk, None),
    }
}

/// Why a catalogued call is risky given its params; `None` when it is not.
fn risky_reason(spec: &MethodSpec, params: &Value, ctx: &RiskContext<'_>) -> Option<RiskReason> {
    let name = spec.name;
    if name.ends_with(".delete") {
        return Some(RiskReason::Delete);
    }
    if spec.risk == Risky {
        return Some(RiskReason::RiskyMethod);
    }
    let is_crm_write = name.ends_with(".add") || name.ends_with(".update");
    if is_crm_write && (name.starts_with("crm.deal.") || name.starts_with("crm.item.")) {
        for (key, value) in leaves(params) {
            match key.as_str() {
                "stageid" => {
                    if let Some(code) = value.as_str()
                        && is_closing_stage(code, ctx.portal)
                    {
                        return Some(RiskReason::ClosingStage {
                            stage: code.to_owned(),
                        });
                    }
                }
                "closed" if value.as_str().is_some_and(|v| v.eq_ignore_ascii_case("y")) => {
                    return Some(RiskReason::ClosesDeal);
                }
                _ => {}
            }
        }
    }
    if is_crm_write && name.starts_with("crm.lead.") {
        for (key, value) in leaves(params) {
            if key == "statusid"
                && value.as_str().is_some_and(|v| {
                    v.eq_ignore_ascii_case("junk") || v.eq_ignore_ascii_case("converted")
                })
            {
                return Some(RiskReason::ClosesLead);
            }
        }
    }
    None
}

/// Whether a stage code is a won or lost stage: by its code (`WON`, `LOSE`, `C3:WON`,
/// `DT1032_5:SUCCESS`, `...:FAIL`) or by the portal's semantics for it.
pub fn is_closing_stage(code: &str, portal: Option<&PortalContext>) -> bool {
    let tail = code.rsplit(':').next().unwrap_or(code).trim();
    let by_code = ["WON", "LOSE", "SUCCESS", "FAIL"]
        .iter()
        .any(|t| tail.eq_ignore_ascii_case(t));
    let by_semantics = portal
        .and_then(|p| p.stage_semantics(code.trim()))
        .is_some_and(|s| matches!(s, StageSemantics::Success | StageSemantics::Failure));
    by_code || by_semantics
}

/// Normalises a parameter key for comparison: lower case, without `_`.
fn norm(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits a key written in PHP bracket form (`fields[STAGE_ID]`) into its segments.
fn segments(key: &str) -> impl Iterator<Item = &str> {
    key.split(['[', ']']).filter(|s| !s.is_empty())
}

/// Values of the top-level parameter `wanted` (normalised), under any spelling.
fn top_level<'a>(params: &'a Value, wanted: &str) -> Vec<&'a Value> {
    params
        .as_object()
        .map(|map| {
            map.iter()
                .filter(|(k, _)| segments(k).next().is_some_and(|s| norm(s) == wanted))
                .map(|(_, v)| v)
                .collect()
        })
        .unwrap_or_default()
}

/// Every (last key segment, normalised; scalar value) pair anywhere in the params, so a
/// field is found whether written as `fields.STAGE_ID`, `FIELDS.stageId` or `fields[STAGE_ID]`.
fn leaves(params: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    let mut stack: Vec<(String, &Value)> = vec![(String::new(), params)];
    while let Some((key, value)) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let last = segments(k).last().unwrap_or(k);
                    stack.push((norm(last), v));
                }
            }
            Value::Array(items) => stack.extend(items.iter().map(|v| (key.clone(), v))),
            scalar => out.push((key, scalar)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn classify(method: &str, params: Value, own: Option<u64>) -> Option<Classification> {
        let ctx = RiskContext {
            own_user_id: own,
            portal: None,
        };
        Catalog::standard().classify(&ActionCall::new(method, params), &ctx)
    }

    fn risk(method: &str, params: Value) -> Option<Risk> {
        classify(method, params, Some(7)).map(|c| c.risk)
    }

    #[test]
    fn static_classes() {
        assert_eq!(risk("crm.deal.list", json!({})), Some(Read));
        assert_eq!(risk("CRM.Deal.Get", json!({"id": 1})), Some(Read));
        assert_eq!(
            risk(
                "crm.deal.update",
                json!({"id": 1, "fields": {"TITLE": "x"}})
            ),
            Some(Write)
        );
        assert_eq!(risk("crm.deal.delete", json!({"id": 1})), Some(Risky));
        assert_eq!(risk("tasks.task.delete", json!({"taskId": 1})), Some(Risky));
        assert_eq!(risk("batch", json!({})), None);
        assert_eq!(risk("crm.deal.userfield.delete", json!({})), None);
    }

    #[test]
    fn won_and_lost_stages_are_risky_in_every_spelling() {
        for params in [
            json!({"id": 1, "fields": {"STAGE_ID": "WON"}}),
            json!({"id": 1, "fields": {"STAGE_ID": "C3:LOSE"}}),
            json!({"id": 1, "FIELDS": {"stage_id": "c3:won"}}),
            json!({"id": 1, "fields[STAGE_ID]": "WON"}),
            json!({"id": 1, "fields": {"CLOSED": "Y"}}),
        ] {
            assert_eq!(
                risk("crm.deal.update", params.clone()),
                Some(Risky),
                "{params}"
            );
        }
        assert_eq!(
            risk(
                "crm.item.update",
                json!({"entityTypeId": 2, "id": 1, "fields": {"stageId": "C1:WON"}})
            ),
            Some(Risky)
        );
        assert_eq!(
            risk(
                "crm.item.update",
                json!({"entityTypeId": 1032, "id": 1, "fields": {"stageId": "DT1032_4:FAIL"}})
            ),
            Some(Risky)
        );
        assert_eq!(
            risk("crm.deal.add", json!({"fields": {"STAGE_ID": "WON"}})),
            Some(Risky)
        );
        assert_eq!(
            risk(
                "crm.deal.update",
                json!({"id": 1, "fields": {"STAGE_ID": "C3:PREPARATION"}})
            ),
            Some(Write)
        );
        assert_eq!(
            risk(
                "crm.lead.update",
                json!({"id": 1, "fields": {"STATUS_ID": "JUNK"}})
            ),
            Some(Risky)
        );
    }

    #[test]
    fn messages_to_others_are_risky() {
        assert_eq!(
            risk(
                "im.notify.personal.add",
                json!({"USER_ID": 7, "MESSAGE": "x"})
            ),
            Some(Write)
        );
        assert_eq!(
            risk(
                "im.notify.system.add",
                json!({"user_id": "7", "MESSAGE": "x"})
            ),
            Some(Write)
        );
        assert_eq!(
            risk(
                "im.notify.personal.add",
                json!({"USER_ID": 8, "MESSAGE": "x"})
            ),
            Some(Risky)
        );
        assert_eq!(
            classify("im.notify.personal.add", json!({"USER_ID": 7}), None).map(|c| c.risk),
            Some(Risky)
        );
        assert_eq!(
            risk(
                "im.notify.personal.add",
                json!({"USER_ID": 7, "user_id": 8})
            ),
            Some(Risky)
        );
        assert_eq!(
            risk(
                "im.message.add",
                json!({"DIALOG_ID": "chat12", "MESSAGE": "x"})
            ),
            Some(Risky)
        );
        assert_eq!(
            risk("im.message.add", json!({"DIALOG_ID": "7", "MESSAGE": "x"})),
            Some(Write)
        );
        assert!(
            !classify("im.notify.personal.add", json!({"USER_ID": 8}), Some(7))
                .unwrap()
                .canary
        );
        assert!(
            classify("im.notify.personal.add", json!({"USER_ID": 7}), Some(7))
                .unwrap()
                .canary
        );
    }

    #[test]
    fn every_delete_is_risky_and_render_has_one_line_per_family() {
        let catalog = Catalog::standard();
        for spec in catalog.methods() {
            if spec.name.ends_with(".delete") {
                assert_eq!(spec.risk, Risky, "{}", spec.name);
            }
            if spec.canary {
                assert_eq!(spec.risk, Write, "{}", spec.name);
            }
        }
        assert_eq!(catalog.render().lines().count(), FAMILIES.len());
    }
}
