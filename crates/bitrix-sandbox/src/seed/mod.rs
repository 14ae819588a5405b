//! Seed data: an empty portal (the structure every portal has), or the demo company
//! «ТехноСнаб», generated deterministically from a start date.

mod crm;
mod names;
mod work;

use std::str::FromStr;

use chrono::{DateTime, Duration, FixedOffset, Timelike};
use serde_json::{Value, json};

use crate::coerce::format_iso;
use crate::schema::{self, Schema};
use crate::store::{PortalData, Row};

/// What a new portal starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// The demo company: 8 users in 5 departments, 20 companies, 40 contacts, 60 deals
    /// in two pipelines, leads, tasks, comments and activities.
    #[default]
    Demo,
    /// Only what every portal has: the administrator, the company department, the
    /// default pipeline and the standard directories.
    Empty,
}

impl FromStr for Seed {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "demo" => Ok(Seed::Demo),
            "empty" => Ok(Seed::Empty),
            other => Err(format!("unknown seed `{other}` (expected demo or empty)")),
        }
    }
}

/// A small deterministic generator (SplitMix64), so the seed is the same on every run.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// A number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + i64::try_from(self.below(u64::try_from(hi - lo + 1).unwrap_or(1))).unwrap_or(0)
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }

    /// A Russian mobile number.
    pub(crate) fn phone(&mut self) -> String {
        let n = self.range(9_000_000_000, 9_999_999_999);
        let s = n.to_string();
        format!("+7 {} {}-{}-{}", &s[0..3], &s[3..6], &s[6..8], &s[8..10])
    }
}

/// Dates relative to the seed's "now".
pub(crate) struct When(pub DateTime<FixedOffset>);

impl When {
    /// `days` ago (negative: in the future) at `hour:minute`, as stored. A time of "today"
    /// that has not come yet moves to the day before, so the past stays in the past.
    pub(crate) fn at(&self, days: i64, hour: u32, minute: u32) -> String {
        let day = self.0 - Duration::days(days);
        let mut t = day
            .with_hour(hour)
            .and_then(|d| d.with_minute(minute))
            .and_then(|d| d.with_second(0))
            .unwrap_or(day);
        if days >= 0 && t > self.0 {
            t -= Duration::days(1);
        }
        format_iso(&t)
    }

    /// Midnight `days` ago (a date field).
    pub(crate) fn date(&self, days: i64) -> String {
        self.at(days, 0, 0)
    }
}

/// A row from `(field, value)` pairs.
pub(crate) fn row(schema: &Schema, values: &[(&str, Value)]) -> Row {
    let mut row = Row::empty(schema);
    for (name, value) in values {
        row.set(schema, name, value.clone());
    }
    row
}

/// Builds a portal's data.
pub(crate) fn build(
    seed: Seed,
    extra_deals: u32,
    token: String,
    now: DateTime<FixedOffset>,
) -> PortalData {
    let mut data = PortalData::empty(token);
    let when = When(now);
    directories(&mut data);
    work::departments_and_users(&mut data, &when, seed == Seed::Demo);
    if seed == Seed::Demo {
        crm::demo(&mut data, &when);
        work::demo(&mut data, &when);
    }
    crm::extra_deals(&mut data, &when, extra_deals);
    data
}

/// Stages and standard directories: (entity, status, name, semantics, color).
const STATUSES: &[(&str, &str, &str, Option<&str>, &str)] = &[
    ("DEAL_STAGE", "NEW", "Новая", None, "#39A8EF"),
    (
        "DEAL_STAGE",
        "PREPARATION",
        "Подготовка документов",
        None,
        "#2FC6F6",
    ),
    (
        "DEAL_STAGE",
        "PREPAYMENT_INVOICE",
        "Счёт на предоплату",
        None,
        "#55D0E0",
    ),
    ("DEAL_STAGE", "EXECUTING", "В работе", None, "#47E4C2"),
    (
        "DEAL_STAGE",
        "FINAL_INVOICE",
        "Финальный счёт",
        None,
        "#FFA900",
    ),
    ("DEAL_STAGE", "WON", "Сделка успешна", Some("S"), "#7BD500"),
    (
        "DEAL_STAGE",
        "LOSE",
        "Сделка провалена",
        Some("F"),
        "#FF5752",
    ),
    ("DEAL_STAGE_1", "C1:NEW", "Новая заявка", None, "#39A8EF"),
    (
        "DEAL_STAGE_1",
        "C1:PREPARATION",
        "Подготовка предложения",
        None,
        "#2FC6F6",
    ),
    (
        "DEAL_STAGE_1",
        "C1:EXECUTING",
        "Переговоры",
        None,
        "#47E4C2",
    ),
    (
        "DEAL_STAGE_1",
        "C1:FINAL_INVOICE",
        "Согласование договора",
        None,
        "#FFA900",
    ),
    ("DEAL_STAGE_1", "C1:WON", "Выиграна", Some("S"), "#7BD500"),
    ("DEAL_STAGE_1", "C1:LOSE", "Проиграна", Some("F"), "#FF5752"),
    ("STATUS", "NEW", "Не обработан", None, "#39A8EF"),
    ("STATUS", "IN_PROCESS", "В работе", None, "#2FC6F6"),
    ("STATUS", "PROCESSED", "Обработан", None, "#FFA900"),
    (
        "STATUS",
        "CONVERTED",
        "Качественный лид",
        Some("S"),
        "#7BD500",
    ),
    ("STATUS", "JUNK", "Некачественный лид", Some("F"), "#FF5752"),
    ("SOURCE", "CALL", "Звонок", None, ""),
    ("SOURCE", "EMAIL", "Электронная почта", None, ""),
    ("SOURCE", "WEB", "Веб-сайт", None, ""),
    ("SOURCE", "ADVERTISING", "Реклама", None, ""),
    ("SOURCE", "PARTNER", "Существующий клиент", None, ""),
    ("SOURCE", "RECOMMENDATION", "По рекомендации", None, ""),
    ("SOURCE", "TRADE_SHOW", "Выставка", None, ""),
    ("SOURCE", "WEBFORM", "CRM-форма", None, ""),
    ("SOURCE", "CALLBACK", "Обратный звонок", None, ""),
    ("SOURCE", "OTHER", "Другое", None, ""),
    ("DEAL_TYPE", "SALE", "Продажа", None, ""),
    ("DEAL_TYPE", "COMPLEX", "Комплексная продажа", None, ""),
    ("DEAL_TYPE", "GOODS", "Продажа товара", None, ""),
    ("DEAL_TYPE", "SERVICES", "Продажа услуги", None, ""),
    ("DEAL_TYPE", "SERVICE", "Сервисное обслуживание", None, ""),
    ("COMPANY_TYPE", "CUSTOMER", "Клиент", None, ""),
    ("COMPANY_TYPE", "SUPPLIER", "Поставщик", None, ""),
    ("COMPANY_TYPE", "COMPETITOR", "Конкурент", None, ""),
    ("COMPANY_TYPE", "PARTNER", "Партнёр", None, ""),
    ("COMPANY_TYPE", "OTHER", "Другое", None, ""),
    ("CONTACT_TYPE", "CLIENT", "Клиенты", None, ""),
    ("CONTACT_TYPE", "SUPPLIER", "Поставщики", None, ""),
    ("CONTACT_TYPE", "PARTNER", "Партнёры", None, ""),
    ("CONTACT_TYPE", "OTHER", "Другое", None, ""),
    ("INDUSTRY", "IT", "Информационные технологии", None, ""),
    ("INDUSTRY", "TELECOM", "Телекоммуникации и связь", None, ""),
    ("INDUSTRY", "MANUFACTURING", "Производство", None, ""),
    ("INDUSTRY", "BANKING", "Банковские услуги", None, ""),
    ("INDUSTRY", "CONSULTING", "Консалтинг", None, ""),
    ("INDUSTRY", "FINANCE", "Финансы", None, ""),
    ("INDUSTRY", "GOVERNMENT", "Правительство", None, ""),
    ("INDUSTRY", "DELIVERY", "Доставка", None, ""),
    ("INDUSTRY", "ENTERTAINMENT", "Развлечения", None, ""),
    (
        "INDUSTRY",
        "NOTPROFIT",
        "Некоммерческая организация",
        None,
        "",
    ),
    ("INDUSTRY", "OTHER", "Другое", None, ""),
    ("EMPLOYEES", "EMPLOYEES_1", "менее 50", None, ""),
    ("EMPLOYEES", "EMPLOYEES_2", "50-250", None, ""),
    ("EMPLOYEES", "EMPLOYEES_3", "250-500", None, ""),
    ("EMPLOYEES", "EMPLOYEES_4", "более 500", None, ""),
    ("HONORIFIC", "HNR_RU_1", "г-н", None, ""),
    ("HONORIFIC", "HNR_RU_2", "г-жа", None, ""),
];

fn directories(data: &mut PortalData) {
    let c = &schema::CATEGORY;
    for (id, name, sort, default) in [(0, "Общая", 100, "Y"), (1, "Тендеры", 200, "N")]
    {
        let category = row(
            c,
            &[
                ("NAME", json!(name)),
                ("SORT", json!(sort)),
                ("ENTITY_TYPE_ID", json!(2)),
                ("IS_DEFAULT", json!(default)),
                ("ORIGIN_ID", json!("")),
                ("ORIGINATOR_ID", json!("")),
            ],
        );
        data.categories.insert_with_id(id, category);
    }
    let s = &schema::STATUS;
    let mut sort = 0;
    let mut last_entity = "";
    for (entity, status, name, semantics, color) in STATUSES {
        sort = if *entity == last_entity {
            sort + 10
        } else {
            10
        };
        last_entity = entity;
        let category = entity
            .strip_prefix("DEAL_STAGE_")
            .map(|n| json!(n.parse::<u64>().unwrap_or(0)));
        let custom_stage = category.is_some() && semantics.is_none() && !status.ends_with(":NEW");
        let status_row = row(
            s,
            &[
                ("ENTITY_ID", json!(entity)),
                ("STATUS_ID", json!(status)),
                ("NAME", json!(name)),
                (
                    "NAME_INIT",
                    if custom_stage {
                        Value::Null
                    } else {
                        json!(name)
                    },
                ),
                ("SORT", json!(sort)),
                ("SYSTEM", json!(if custom_stage { "N" } else { "Y" })),
                ("CATEGORY_ID", category.unwrap_or(Value::Null)),
                (
                    "COLOR",
                    if color.is_empty() {
                        Value::Null
                    } else {
                        json!(color)
                    },
                ),
                ("SEMANTICS", semantics.map_or(Value::Null, |v| json!(v))),
            ],
        );
        data.statuses.insert(status_row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::portal_time;

    fn demo() -> PortalData {
        build(Seed::Demo, 0, "t".into(), portal_time(1_767_000_000.0))
    }

    #[test]
    fn demo_is_deterministic_and_sized_as_promised() {
        let a = demo().to_json();
        assert_eq!(a, demo().to_json());
        let data = demo();
        assert_eq!(data.users.rows.len(), 8);
        assert_eq!(data.departments.rows.len(), 5);
        assert_eq!(data.companies.rows.len(), 20);
        assert_eq!(data.contacts.rows.len(), 40);
        assert_eq!(data.deals.rows.len(), 60);
        assert!(data.leads.rows.len() >= 12);
        assert!(data.tasks.rows.len() >= 20);
        assert!(!data.timeline_comments.rows.is_empty());
        assert!(!data.task_comments.rows.is_empty());
    }

    #[test]
    fn every_stage_of_both_pipelines_has_deals() {
        let data = demo();
        let d = &schema::DEAL;
        for (entity, status, ..) in STATUSES.iter().filter(|s| s.0.starts_with("DEAL_STAGE")) {
            let count = data
                .deals
                .rows
                .values()
                .filter(|r| r.by(d, "STAGE_ID").as_str() == Some(status))
                .count();
            assert!(count > 0, "no deal in {entity} {status}");
        }
    }

    #[test]
    fn seeded_rows_have_canonical_values() {
        let json = demo().to_json();
        PortalData::from_json(&json).expect("the demo seed reads back");
        let empty = build(Seed::Empty, 25, "t".into(), portal_time(1_767_000_000.0));
        assert_eq!(empty.users.rows.len(), 1);
        assert_eq!(empty.deals.rows.len(), 25);
        assert!(empty.companies.rows.is_empty());
    }
}
