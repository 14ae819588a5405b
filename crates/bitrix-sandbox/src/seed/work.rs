//! Demo people and work: departments, employees, tasks, comments and to-dos.

use serde_json::{Value, json};

use super::names::{DEAL_COMMENTS, DEPARTMENTS, EMPLOYEES, SALES, TASKS};
use super::{Rng, When, row};
use crate::schema;
use crate::store::PortalData;

/// Departments and employees; without the demo only the administrator and the company.
pub(crate) fn departments_and_users(data: &mut PortalData, when: &When, demo: bool) {
    let count = if demo { usize::MAX } else { 1 };
    let d = &schema::DEPARTMENT;
    for (name, parent, head) in DEPARTMENTS.iter().take(count) {
        let department = row(
            d,
            &[
                ("NAME", json!(name)),
                ("SORT", json!(500)),
                ("PARENT", parent.map_or(Value::Null, |p| json!(p))),
                ("UF_HEAD", json!(head)),
            ],
        );
        data.departments.insert(department);
    }
    let u = &schema::USER;
    let mut rng = Rng::new(88);
    for (i, (name, patronymic, last, gender, position, department, login)) in
        EMPLOYEES.iter().take(count).enumerate()
    {
        let n = i as i64;
        let online = i % 3 != 2;
        let user = row(
            u,
            &[
                ("ACTIVE", json!(true)),
                ("NAME", json!(name)),
                ("LAST_NAME", json!(last)),
                ("SECOND_NAME", json!(patronymic)),
                ("EMAIL", json!(format!("{login}@tehnosnab.ru"))),
                (
                    "LAST_LOGIN",
                    json!(when.at(i64::from(!online), 9, 5 + 3 * i as u32)),
                ),
                ("DATE_REGISTER", json!(when.at(900 - 60 * n, 10, 0))),
                ("TIME_ZONE", json!("")),
                ("IS_ONLINE", json!(if online { "Y" } else { "N" })),
                ("TIMESTAMP_X", json!(when.at(30 + n, 13, 19))),
                (
                    "LAST_ACTIVITY_DATE",
                    json!(when.at(i64::from(!online), 11, 8 + i as u32)),
                ),
                ("PERSONAL_GENDER", json!(gender)),
                (
                    "PERSONAL_BIRTHDAY",
                    json!(format!(
                        "{}-{:02}-{:02}T00:00:00+03:00",
                        1978 + 2 * n,
                        1 + i % 12,
                        3 + 3 * i
                    )),
                ),
                ("PERSONAL_MOBILE", json!(rng.phone())),
                ("PERSONAL_CITY", json!("Москва")),
                ("WORK_PHONE", json!(format!("+7 495 120-45-{:02}", 10 + i))),
                ("WORK_POSITION", json!(position)),
                ("UF_EMPLOYMENT_DATE", json!(when.date(900 - 60 * n))),
                ("UF_DEPARTMENT", json!([department])),
                ("UF_PHONE_INNER", json!(format!("{}", 101 + i))),
                ("USER_TYPE", json!("employee")),
            ],
        );
        data.users.insert(user);
    }
}

/// Short name for a contact (`Иван Петров`).
fn contact_name(data: &PortalData, id: u64) -> String {
    let c = &schema::CONTACT;
    data.contacts.get(id).map_or_else(String::new, |r| {
        format!(
            "{} {}",
            r.by(c, "NAME").as_str().unwrap_or_default(),
            r.by(c, "LAST_NAME").as_str().unwrap_or_default()
        )
    })
}

pub(crate) fn demo(data: &mut PortalData, when: &When) {
    let mut rng = Rng::new(31);
    tasks(data, when, &mut rng);
    let s = &schema::TIMELINE_COMMENT;
    for i in 0..24u64 {
        let deal = i * 5 % 60 + 1;
        let author = data
            .deals
            .get(deal)
            .and_then(|d| d.by(&schema::DEAL, "ASSIGNED_BY_ID").as_u64())
            .unwrap_or(1);
        let comment = row(
            s,
            &[
                (
                    "CREATED",
                    json!(when.at(rng.range(0, 20), 15, 10 + i as u32)),
                ),
                ("ENTITY_ID", json!(deal)),
                ("ENTITY_TYPE", json!("deal")),
                ("AUTHOR_ID", json!(author)),
                ("COMMENT", json!(*rng.pick(DEAL_COMMENTS))),
            ],
        );
        data.timeline_comments.insert(comment);
    }
    let a = &schema::ACTIVITY;
    let subjects = [
        "Позвонить клиенту",
        "Отправить договор",
        "Уточнить адрес доставки",
        "Встреча в офисе клиента",
    ];
    for i in 0..10u64 {
        let deal = i * 6 + 1;
        let responsible = data
            .deals
            .get(deal)
            .and_then(|d| d.by(&schema::DEAL, "ASSIGNED_BY_ID").as_u64())
            .unwrap_or(2);
        let deadline = when.at(2 - rng.range(0, 6), 11, 0);
        let done = i % 4 == 3;
        let activity = row(
            a,
            &[
                ("OWNER_ID", json!(deal)),
                ("OWNER_TYPE_ID", json!(2)),
                ("TYPE_ID", json!(6)),
                ("PROVIDER_ID", json!("CRM_TODO")),
                ("PROVIDER_TYPE_ID", json!("TODO")),
                (
                    "SUBJECT",
                    json!(subjects[usize::try_from(i % 4).unwrap_or(0)]),
                ),
                ("CREATED", json!(when.at(8, 10, 0))),
                ("LAST_UPDATED", json!(when.at(2, 10, 0))),
                ("START_TIME", json!(deadline)),
                ("END_TIME", json!(deadline)),
                ("DEADLINE", json!(deadline)),
                ("COMPLETED", json!(if done { "Y" } else { "N" })),
                ("STATUS", json!(if done { 2 } else { 1 })),
                ("RESPONSIBLE_ID", json!(responsible)),
                ("PRIORITY", json!(2)),
                ("DESCRIPTION", json!("")),
                ("DESCRIPTION_TYPE", json!(1)),
                ("DIRECTION", json!(0)),
                ("AUTHOR_ID", json!(responsible)),
                ("EDITOR_ID", json!(responsible)),
            ],
        );
        data.activities.insert(activity);
    }
}

fn tasks(data: &mut PortalData, when: &When, rng: &mut Rng) {
    let t = &schema::TASK;
    let company_count = data.companies.rows.len() as u64;
    for i in 0..24u64 {
        let company = i * 3 % company_count + 1;
        let contact = company * 2 - 1;
        let company_title = data
            .companies
            .get(company)
            .and_then(|c| c.by(&schema::COMPANY, "TITLE").as_str().map(str::to_owned))
            .unwrap_or_default();
        let title = rng
            .pick(TASKS)
            .replace("{c}", &company_title)
            .replace("{p}", &contact_name(data, contact));
        let deal = data
            .deals
            .rows
            .values()
            .find(|d| d.by(&schema::DEAL, "COMPANY_ID").as_u64() == Some(company))
            .map(crate::store::Row::id);
        let status = if i % 5 == 4 {
            5
        } else if i % 3 == 1 {
            3
        } else {
            2
        };
        let created = rng.range(3, 30);
        let deadline = match i % 4 {
            0 => Some(when.at(rng.range(1, 6), 18, 0)),
            3 => None,
            _ => Some(when.at(-rng.range(1, 14), 18, 0)),
        };
        let mut crm = vec![json!(format!("CO_{company}"))];
        if let Some(deal) = deal {
            crm.insert(0, json!(format!("D_{deal}")));
        }
        let creator = if i % 3 == 0 { 1 } else { 2 };
        let closed = (status == 5).then(|| when.at(rng.range(0, 2), 17, 30));
        let task = row(
            t,
            &[
                ("TITLE", json!(title)),
                (
                    "DESCRIPTION",
                    json!(format!(
                        "Контакт: {}. Клиент: {company_title}.",
                        contact_name(data, contact)
                    )),
                ),
                ("PRIORITY", json!(if i % 6 == 0 { 2 } else { 1 })),
                ("STATUS", json!(status)),
                ("MULTITASK", json!("N")),
                ("GROUP_ID", json!(0)),
                ("STAGE_ID", json!(0)),
                ("CREATED_BY", json!(creator)),
                ("CREATED_DATE", json!(when.at(created, 10, 30))),
                ("RESPONSIBLE_ID", json!(*rng.pick(SALES))),
                ("ACCOMPLICES", json!([])),
                (
                    "AUDITORS",
                    json!(if i % 4 == 1 { json!([2]) } else { json!([]) }),
                ),
                ("CHANGED_BY", json!(creator)),
                ("CHANGED_DATE", json!(when.at(created / 2, 12, 0))),
                ("STATUS_CHANGED_DATE", json!(when.at(created / 2, 12, 0))),
                (
                    "CLOSED_BY",
                    if closed.is_some() {
                        json!(creator)
                    } else {
                        Value::Null
                    },
                ),
                ("CLOSED_DATE", closed.map_or(Value::Null, |c| json!(c))),
                ("DEADLINE", deadline.map_or(Value::Null, |d| json!(d))),
                ("ACTIVITY_DATE", json!(when.at(created / 2, 12, 0))),
                ("TAGS", json!([])),
                ("UF_CRM_TASK", Value::Array(crm)),
            ],
        );
        data.tasks.insert(task);
    }
    let c = &schema::TASK_COMMENT;
    let texts = [
        "Клиент просил перезвонить после 15:00.",
        "КП отправлено, жду ответа.",
        "Счёт выставлен, копия в почте.",
        "Перенесли встречу на четверг.",
    ];
    for i in 0..12u64 {
        let comment = row(
            c,
            &[
                ("TASK_ID", json!(i * 2 + 1)),
                (
                    "AUTHOR_ID",
                    json!(SALES[usize::try_from(i).unwrap_or(0) % SALES.len()]),
                ),
                (
                    "POST_MESSAGE",
                    json!(texts[usize::try_from(i % 4).unwrap_or(0)]),
                ),
                ("POST_DATE", json!(when.at(rng.range(0, 3), 16, 0))),
            ],
        );
        data.task_comments.insert(comment);
    }
}
