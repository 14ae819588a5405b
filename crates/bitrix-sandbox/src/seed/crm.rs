//! Demo CRM data: customers, their people, deals in two pipelines, and leads.

use serde_json::{Value, json};

use super::names::{
    COMPANIES, FEMALE_NAMES, LAST_NAMES, LEAD_TOPICS, MALE_NAMES, PATRONYMICS, POSITIONS, PRODUCTS,
    PROSPECTS, SALES, STREETS, TENDERS, translit,
};
use super::{Rng, When, row};
use crate::methods::new_multifield;
use crate::schema;
use crate::store::PortalData;

const STAGES_GENERAL: &[&str] = &[
    "NEW",
    "PREPARATION",
    "PREPAYMENT_INVOICE",
    "EXECUTING",
    "FINAL_INVOICE",
    "WON",
    "LOSE",
];
const STAGES_TENDERS: &[&str] = &[
    "C1:NEW",
    "C1:PREPARATION",
    "C1:EXECUTING",
    "C1:FINAL_INVOICE",
    "C1:WON",
    "C1:LOSE",
];

/// The demo's deal count.
const DEMO_DEALS: u64 = 60;

pub(crate) fn demo(data: &mut PortalData, when: &When) {
    let mut rng = Rng::new(2024);
    companies(data, when, &mut rng);
    contacts(data, when, &mut rng);
    for i in 0..DEMO_DEALS {
        deal(data, when, &mut rng, i, None);
    }
    leads(data, when, &mut rng);
}

/// `n` more generated deals for load tests (after the demo's, if any).
pub(crate) fn extra_deals(data: &mut PortalData, when: &When, n: u32) {
    let mut rng = Rng::new(7_000 + u64::from(n));
    for i in 0..u64::from(n) {
        deal(data, when, &mut rng, DEMO_DEALS + i, Some(i + 1));
    }
}

fn multi(data: &mut PortalData, type_id: &str, value: &str, value_type: &str) -> Value {
    json!([new_multifield(
        data,
        type_id,
        value,
        Some(value_type.to_owned())
    )])
}

fn companies(data: &mut PortalData, when: &When, rng: &mut Rng) {
    let s = &schema::COMPANY;
    for (i, (title, domain, industry, kind, size, city)) in COMPANIES.iter().enumerate() {
        let age = 420 - 17 * i as i64;
        let address = format!("г. {city}, {}, д. {}", rng.pick(STREETS), rng.range(1, 120));
        let phone = multi(data, "PHONE", &rng.phone(), "WORK");
        let email = multi(data, "EMAIL", &format!("info@{domain}"), "WORK");
        let web = multi(data, "WEB", domain, "WORK");
        let company = row(
            s,
            &[
                ("TITLE", json!(title)),
                ("COMPANY_TYPE", json!(kind)),
                ("INDUSTRY", json!(industry)),
                ("EMPLOYEES", json!(size)),
                ("CURRENCY_ID", json!("RUB")),
                ("REVENUE", json!(rng.range(5, 900) * 1_000_000)),
                ("ADDRESS", json!(address)),
                ("ADDRESS_LEGAL", json!(address)),
                ("OPENED", json!("Y")),
                ("IS_MY_COMPANY", json!("N")),
                ("HAS_PHONE", json!("Y")),
                ("HAS_EMAIL", json!("Y")),
                ("HAS_IMOL", json!("N")),
                ("ASSIGNED_BY_ID", json!(SALES[i % SALES.len()])),
                ("CREATED_BY_ID", json!(1)),
                ("MODIFY_BY_ID", json!(SALES[i % SALES.len()])),
                ("DATE_CREATE", json!(when.at(age, 10, 15))),
                ("DATE_MODIFY", json!(when.at(age / 3, 16, 40))),
                ("IS_RETURN_CUSTOMER", json!("N")),
                ("PHONE", phone),
                ("EMAIL", email),
                ("WEB", web),
            ],
        );
        data.companies.insert(company);
    }
}

fn contacts(data: &mut PortalData, when: &When, rng: &mut Rng) {
    let s = &schema::CONTACT;
    let company_count = data.companies.rows.len() as u64;
    for i in 0..company_count * 2 {
        let company_id = i / 2 + 1;
        let (_, domain, _, kind, ..) = COMPANIES[usize::try_from(i / 2).unwrap_or(0)];
        let female = i % 3 == 1;
        let index = usize::try_from(i).unwrap_or(0);
        let (first, last, patronymic) = if female {
            let (_, p) = PATRONYMICS[index % PATRONYMICS.len()];
            (
                FEMALE_NAMES[index % 20],
                format!("{}а", LAST_NAMES[(index * 7) % 20]),
                p,
            )
        } else {
            let (p, _) = PATRONYMICS[index % PATRONYMICS.len()];
            (
                MALE_NAMES[index % 20],
                LAST_NAMES[(index * 7) % 20].to_owned(),
                p,
            )
        };
        let login = format!(
            "{}.{}",
            translit(first).chars().next().unwrap_or('x'),
            translit(&last)
        );
        let phone = multi(data, "PHONE", &rng.phone(), "MOBILE");
        let email = multi(data, "EMAIL", &format!("{login}@{domain}"), "WORK");
        let assigned = data
            .companies
            .get(company_id)
            .map(|c| c.by(&schema::COMPANY, "ASSIGNED_BY_ID").clone())
            .unwrap_or(json!(1));
        let age = 400 - 9 * i as i64;
        let contact = row(
            s,
            &[
                (
                    "HONORIFIC",
                    json!(if female { "HNR_RU_2" } else { "HNR_RU_1" }),
                ),
                ("NAME", json!(first)),
                ("SECOND_NAME", json!(patronymic)),
                ("LAST_NAME", json!(last)),
                (
                    "TYPE_ID",
                    json!(if kind == "SUPPLIER" {
                        "SUPPLIER"
                    } else {
                        "CLIENT"
                    }),
                ),
                (
                    "SOURCE_ID",
                    json!(if i % 4 == 0 { "RECOMMENDATION" } else { "CALL" }),
                ),
                ("POST", json!(POSITIONS[index % POSITIONS.len()])),
                ("OPENED", json!("Y")),
                ("EXPORT", json!("Y")),
                ("HAS_PHONE", json!("Y")),
                ("HAS_EMAIL", json!("Y")),
                ("HAS_IMOL", json!("N")),
                ("ASSIGNED_BY_ID", assigned),
                ("CREATED_BY_ID", json!(1)),
                ("MODIFY_BY_ID", json!(1)),
                ("DATE_CREATE", json!(when.at(age, 11, 5))),
                ("DATE_MODIFY", json!(when.at(age / 2, 12, 30))),
                ("COMPANY_ID", json!(company_id)),
                ("COMPANY_IDS", json!([company_id])),
                ("IS_RETURN_CUSTOMER", json!("N")),
                ("PHONE", phone),
                ("EMAIL", email),
            ],
        );
        data.contacts.insert(contact);
    }
}

/// One deal. `generated` numbers the load-test deals (`None` for the demo's own).
fn deal(data: &mut PortalData, when: &When, rng: &mut Rng, i: u64, generated: Option<u64>) {
    let s = &schema::DEAL;
    let tender = i % 3 == 2;
    let stages = if tender {
        STAGES_TENDERS
    } else {
        STAGES_GENERAL
    };
    let position = if tender { i / 3 } else { i - i / 3 };
    let stage = stages[usize::try_from(position).unwrap_or(0) % stages.len()];
    let won = stage.ends_with("WON");
    let closed = won || stage.ends_with("LOSE");
    let company_count = data.companies.rows.len() as u64;
    let (company_id, company_title) = if company_count == 0 {
        (0, String::new())
    } else {
        let id = (i * 7 + rng.below(3)) % company_count + 1;
        let title = data
            .companies
            .get(id)
            .and_then(|c| c.by(&schema::COMPANY, "TITLE").as_str().map(str::to_owned))
            .unwrap_or_default();
        (id, title)
    };
    let contact_id = (company_id > 0).then(|| company_id * 2 - 1 + rng.below(2));
    let subject = if tender {
        rng.pick(TENDERS)
    } else {
        rng.pick(PRODUCTS)
    };
    let title = match generated {
        Some(n) if company_id > 0 => format!("Сделка №{n}: {subject} для {company_title}"),
        Some(n) => format!("Сделка №{n}: {subject}"),
        None => format!("{subject} для {company_title}"),
    };
    let begin = rng.range(10, 150);
    let moved = if closed {
        rng.range(1, begin.min(40))
    } else if i.is_multiple_of(3) {
        rng.range(8, begin.clamp(8, 45))
    } else {
        rng.range(0, 6)
    };
    let close_in = if closed { moved } else { -rng.range(5, 45) };
    let probability = if closed {
        if won { 100 } else { 0 }
    } else {
        (position as i64 % stages.len() as i64 + 1) * 15
    };
    let assigned = *rng.pick(SALES);
    let amount = rng.range(60, 6_000) * 500;
    let first_stage = stage == stages[0];
    let deal = row(
        s,
        &[
            ("TITLE", json!(title)),
            (
                "TYPE_ID",
                json!(*rng.pick(&["SALE", "COMPLEX", "GOODS", "SERVICES", "SERVICE"])),
            ),
            ("CATEGORY_ID", json!(u64::from(tender))),
            ("STAGE_ID", json!(stage)),
            (
                "STAGE_SEMANTIC_ID",
                json!(if won {
                    "S"
                } else if closed {
                    "F"
                } else {
                    "P"
                }),
            ),
            ("IS_NEW", json!(if first_stage { "Y" } else { "N" })),
            ("IS_RECURRING", json!("N")),
            (
                "IS_RETURN_CUSTOMER",
                json!(if i.is_multiple_of(5) { "Y" } else { "N" }),
            ),
            ("IS_REPEATED_APPROACH", json!("N")),
            ("PROBABILITY", json!(probability)),
            ("CURRENCY_ID", json!("RUB")),
            ("OPPORTUNITY", json!(amount)),
            ("IS_MANUAL_OPPORTUNITY", json!("Y")),
            ("TAX_VALUE", json!(0)),
            ("COMPANY_ID", json!(company_id)),
            ("CONTACT_ID", contact_id.map_or(Value::Null, |c| json!(c))),
            (
                "CONTACT_IDS",
                json!(contact_id.into_iter().collect::<Vec<_>>()),
            ),
            ("BEGINDATE", json!(when.date(begin))),
            ("CLOSEDATE", json!(when.date(close_in))),
            ("OPENED", json!("Y")),
            ("CLOSED", json!(if closed { "Y" } else { "N" })),
            ("ASSIGNED_BY_ID", json!(assigned)),
            (
                "CREATED_BY_ID",
                json!(if i.is_multiple_of(4) { 1 } else { assigned }),
            ),
            ("MODIFY_BY_ID", json!(assigned)),
            ("MOVED_BY_ID", json!(assigned)),
            (
                "DATE_CREATE",
                json!(when.at(begin, 9 + u32::try_from(i % 8).unwrap_or(0), 20)),
            ),
            ("DATE_MODIFY", json!(when.at(moved, 14, 5))),
            ("MOVED_TIME", json!(when.at(moved, 14, 5))),
            (
                "SOURCE_ID",
                json!(*rng.pick(&["CALL", "EMAIL", "WEB", "RECOMMENDATION", "PARTNER"])),
            ),
            (
                "UF_CRM_1721244482250",
                if i % 4 == 1 {
                    json!("склад, ворота №2")
                } else {
                    Value::Null
                },
            ),
        ],
    );
    data.deals.insert(deal);
}

fn leads(data: &mut PortalData, when: &When, rng: &mut Rng) {
    let s = &schema::LEAD;
    let statuses = [
        "NEW",
        "IN_PROCESS",
        "PROCESSED",
        "NEW",
        "JUNK",
        "CONVERTED",
        "IN_PROCESS",
    ];
    for i in 0..15usize {
        let (source, topic) = LEAD_TOPICS[i % LEAD_TOPICS.len()];
        let status = statuses[i % statuses.len()];
        let female = i % 2 == 0;
        let first = if female {
            FEMALE_NAMES[(i * 3 + 5) % 20]
        } else {
            MALE_NAMES[(i * 3 + 5) % 20]
        };
        let last = if female {
            format!("{}а", LAST_NAMES[(i * 11 + 3) % 20])
        } else {
            LAST_NAMES[(i * 11 + 3) % 20].to_owned()
        };
        let prospect = PROSPECTS[i % PROSPECTS.len()];
        let phone = multi(data, "PHONE", &rng.phone(), "WORK");
        let email = multi(
            data,
            "EMAIL",
            &format!("{}@mail.example", translit(&last).replace(' ', "")),
            "WORK",
        );
        let age = rng.range(0, 60);
        let closed = matches!(status, "JUNK" | "CONVERTED");
        let lead = row(
            s,
            &[
                ("TITLE", json!(topic)),
                ("NAME", json!(first)),
                ("LAST_NAME", json!(last)),
                ("COMPANY_TITLE", json!(prospect)),
                ("SOURCE_ID", json!(source)),
                ("STATUS_ID", json!(status)),
                (
                    "STATUS_SEMANTIC_ID",
                    json!(match status {
                        "CONVERTED" => "S",
                        "JUNK" => "F",
                        _ => "P",
                    }),
                ),
                ("POST", json!(POSITIONS[i % POSITIONS.len()])),
                ("CURRENCY_ID", json!("RUB")),
                ("OPPORTUNITY", json!(rng.range(0, 400) * 1000)),
                ("IS_MANUAL_OPPORTUNITY", json!("N")),
                ("OPENED", json!("Y")),
                ("HAS_PHONE", json!("Y")),
                ("HAS_EMAIL", json!("Y")),
                ("HAS_IMOL", json!("N")),
                ("ASSIGNED_BY_ID", json!(*rng.pick(SALES))),
                ("CREATED_BY_ID", json!(6)),
                ("MODIFY_BY_ID", json!(6)),
                ("MOVED_BY_ID", json!(6)),
                ("DATE_CREATE", json!(when.at(age + 2, 10, 0))),
                ("DATE_MODIFY", json!(when.at(age, 12, 0))),
                ("MOVED_TIME", json!(when.at(age, 12, 0))),
                (
                    "DATE_CLOSED",
                    if closed {
                        json!(when.at(age, 12, 0))
                    } else {
                        Value::Null
                    },
                ),
                ("IS_RETURN_CUSTOMER", json!("N")),
                ("PHONE", phone),
                ("EMAIL", email),
            ],
        );
        data.leads.insert(lead);
    }
}
