//! The typed models decode fact-sheet-shaped responses, quirks and unknown fields included.

use bitrix_client::{BitrixApiExt, decode_value, lenient::PortalDateTime, model::*};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use crate::support::{Reply, ScriptedPortal, client, fixture};

fn result(name: &str) -> Value {
    fixture(name)["result"].clone()
}

#[test]
fn legacy_crm_entities() {
    let deal: Deal = decode_value(&result("deal_get.json"), "deal").unwrap();
    assert_eq!(
        (deal.id, deal.category_id, deal.company_id),
        (Some(410), Some(0), Some(9))
    );
    assert_eq!(deal.lead_id, None);
    assert_eq!(deal.probability, Some(99.0));
    assert_eq!((deal.opened, deal.closed), (Some(true), Some(false)));
    assert!(deal.contact_ids.is_empty());
    assert_eq!(deal.other["IS_MANUAL_OPPORTUNITY"], "Y");

    let lead: Lead = decode_value(&result("lead_get.json"), "lead").unwrap();
    assert_eq!(lead.opportunity, None, "\"\" is no amount");
    assert_eq!(lead.date_modify, None);
    assert_eq!(lead.company_id, Some(0), "\"0\" is kept: a missing link");
    assert_eq!(lead.phone[0].value.as_deref(), Some("+79001234567"));
    assert_eq!(lead.phone[0].id, Some(11658));
    assert!(lead.email.is_empty());
    assert_eq!(lead.other["HAS_PHONE"], "Y");

    let contact: Contact = decode_value(&result("contact_get.json"), "contact").unwrap();
    assert_eq!(contact.birthdate, None);
    assert_eq!(contact.email[0].value_type.as_deref(), Some("WORK"));
    assert_eq!(contact.other["UF_CRM_5F1"], false);

    let company: Company = decode_value(&result("company_get.json"), "company").unwrap();
    assert_eq!(company.revenue, Some(2_500_000.0));
    assert_eq!(company.is_my_company, Some(false));
    assert_eq!(
        company.date_create.as_ref().and_then(PortalDateTime::date),
        NaiveDate::from_ymd_opt(2023, 8, 24)
    );
    assert!(company.phone.is_empty());
    assert!(company.other.contains_key("WEB"));
}

#[test]
fn items_tasks_and_users() {
    let wrapped = result("crm_item_list.json");
    let items: Vec<CrmItem> = decode_value(&wrapped["items"], "items").unwrap();
    assert_eq!(items[0].contact_ids, vec![84, 85]);
    assert_eq!(items[0].opportunity, Some(19000.0));
    assert_eq!(items[0].other["observers"], json!([]));
    assert_eq!(items[1].fm[0].value.as_deref(), Some("+7900"));
    assert_eq!(items[1].other["closedate"], "");

    let task: Task = decode_value(&result("task_get.json")["task"], "task").unwrap();
    assert_eq!(
        (task.id, task.status, task.sub_status),
        (Some(3711), Some(2), Some(-1))
    );
    assert_eq!(task.accomplices, vec![5]);
    assert_eq!(task.uf_crm_task, vec!["C_627", "D_1723"]);
    assert_eq!(task.deadline, None);
    assert_eq!(task.creator.unwrap().name.as_deref(), Some("Viola"));
    assert!(task.other.contains_key("action"));

    let user: User = decode_value(&result("user_current.json"), "user").unwrap();
    assert_eq!(
        (user.id, user.active, user.is_online),
        (Some(3), Some(true), Some(true))
    );
    assert_eq!(user.uf_department, vec![1]);
    assert_eq!(user.full_name(), "John Smith");
    assert!(matches!(
        user.last_activity_date,
        Some(PortalDateTime::Local(_))
    ));
    assert_eq!(user.other["PERSONAL_PHOTO"], json!({}));
}

#[test]
fn directories_fields_comments_and_activities() {
    let stages: Vec<Status> = decode_value(&result("status_list.json"), "stages").unwrap();
    assert_eq!(stages[1].status_id.as_deref(), Some("WON"));
    assert_eq!(stages[1].category_id, Some(0));
    assert_eq!(stages[0].semantics, None);
    assert_eq!(
        stages[1].extra.as_ref().unwrap().semantics.as_deref(),
        Some("success")
    );
    assert_eq!(stages[0].other["NAME_INIT"], "New");

    let fields: BTreeMap<String, FieldDescription> =
        decode_value(&result("deal_fields.json"), "fields").unwrap();
    assert_eq!(
        fields["STAGE_ID"].status_type.as_deref(),
        Some("DEAL_STAGE")
    );
    assert_eq!(fields["UF_CRM_64A29A1CD5CC2"].label(), Some("New Field"));
    assert_eq!(fields["UF_CRM_64A29A1CD5CC2"].settings["SIZE"], 20);
    let enumeration = &fields["UF_CRM_ENUM"];
    assert_eq!(enumeration.is_required, Some(false));
    assert!(enumeration.settings.is_empty(), "[] is an empty map");
    assert_eq!(enumeration.items[1].id, Some(80));
    assert_eq!(enumeration.label(), Some("Priority"));
    assert_eq!(fields["ID"].other, serde_json::Map::new());

    let comments: Vec<TimelineComment> =
        decode_value(&result("timeline_comment_list.json"), "comments").unwrap();
    assert_eq!(comments[0].entity_id, Some(410));
    assert!(comments[0].files.is_empty());
    assert_eq!(comments[1].files["7"]["name"], "offer.pdf");

    let activities: Vec<TodoActivity> =
        decode_value(&result("activity_list.json"), "activities").unwrap();
    assert_eq!(activities[0].provider_id.as_deref(), Some("CRM_TODO"));
    assert_eq!(activities[0].completed, Some(false));
    assert!(
        activities[0]
            .deadline
            .as_ref()
            .and_then(PortalDateTime::zoned)
            .is_some()
    );

    let created: CreatedId = decode_value(&json!({"id": 999}), "todo").unwrap();
    assert_eq!(created.id, Some(999));
    let item_fields: ItemFields = decode_value(&json!({"fields": []}), "item fields").unwrap();
    assert!(item_fields.fields.is_empty());
}

#[tokio::test]
async fn typed_call_through_the_client() {
    let portal = ScriptedPortal::new().on(
        "user.current",
        [Reply::json(200, &fixture("user_current.json"))],
    );
    let client = client(&portal.start().await);
    let user: User = client.call_as("user.current", Value::Null).await.unwrap();
    assert_eq!(user.email.as_deref(), Some("john@example.com"));
}
