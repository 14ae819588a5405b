//! Tasks, users, departments, messenger and portal information.

mod common;

use serde_json::json;

#[tokio::test]
async fn task_lifecycle_with_camel_string_output() {
    let p = common::start().await;
    let (status, body) = p
        .call("tasks.task.add", json!({"fields": {"RESPONSIBLE_ID": 3}}))
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("ERROR_CORE")));
    assert_eq!(body["error_description"], "Task title is not specified<br>");
    let (status, body) = p.call("tasks.task.add", json!({})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("100")));

    let task = p
        .ok(
            "tasks.task.add",
            json!({"fields": {"TITLE": "Позвонить клиенту", "RESPONSIBLE_ID": 3, "DEADLINE": "2030-01-15T10:00:00",
                              "UF_CRM_TASK": ["D_5", "CO_2"], "AUDITORS": [2]}}),
        )
        .await["result"]["task"]
        .clone();
    assert_eq!(task["title"], "Позвонить клиенту");
    assert_eq!(task["responsibleId"], "3");
    assert_eq!(task["status"], "2");
    assert_eq!(task["deadline"], "2030-01-15T10:00:00+03:00");
    assert_eq!(task["ufCrmTask"], json!(["D_5", "CO_2"]));
    assert_eq!(task["auditors"], json!(["2"]));
    assert_eq!(task["responsible"]["name"], "Дмитрий Кузнецов");
    let id = task["id"].as_str().unwrap().parse::<u64>().unwrap();
    insta::assert_json_snapshot!("task_add", common::normalize(task));

    let got = p
        .ok(
            "tasks.task.get",
            json!({"taskId": id, "select": ["ID", "TITLE"]}),
        )
        .await;
    assert_eq!(
        got["result"]["task"],
        json!({"id": id.to_string(), "title": "Позвонить клиенту"})
    );
    let updated = p
        .ok(
            "tasks.task.update",
            json!({"taskId": id, "fields": {"PRIORITY": 2}}),
        )
        .await;
    assert_eq!(updated["result"]["task"]["priority"], "2");
    let done = p.ok("tasks.task.complete", json!({"taskId": id})).await;
    assert_eq!(done["result"]["task"]["status"], "5");

    let comment = p
        .ok(
            "task.commentitem.add",
            json!([id, {"POST_MESSAGE": "Готово"}]),
        )
        .await;
    assert!(comment["result"].is_u64());
    let (status, _) = p
        .form(
            "task.commentitem.add",
            &format!("0={id}&1%5BPOST_MESSAGE%5D=Ещё"),
        )
        .await;
    assert_eq!(status, 200);
    let comments = p.ok("task.commentitem.getlist", json!([id])).await;
    assert_eq!(comments["result"].as_array().unwrap().len(), 2);

    let deleted = p.ok("tasks.task.delete", json!({"taskId": id})).await;
    assert_eq!(deleted["result"], json!({"task": true}));
    let missing = p.ok("tasks.task.get", json!({"taskId": id})).await;
    assert_eq!(
        missing["result"],
        json!([]),
        "a missing task is an empty result"
    );
    let (status, body) = p
        .call(
            "tasks.task.update",
            json!({"taskId": id, "fields": {"TITLE": "x"}}),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("0")));
    let (status, body) = p.call("tasks.task.delete", json!({"taskId": id})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("1048582")));
}

#[tokio::test]
async fn task_lists_filter_order_and_overdue() {
    let p = common::start().await;
    let all = p.ok("tasks.task.list", json!({"select": ["ID"]})).await;
    let ids: Vec<u64> = all["result"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "default order is ID desc"
    );
    let mine = p
        .ok("tasks.task.list", json!({"filter": {"RESPONSIBLE_ID": 3, "!REAL_STATUS": 5}, "select": ["ID", "RESPONSIBLE_ID", "STATUS"]}))
        .await;
    for t in mine["result"]["tasks"].as_array().unwrap() {
        assert_eq!(t["responsibleId"], "3");
        assert_ne!(t["status"], "5");
    }
    let overdue = p
        .ok(
            "tasks.task.list",
            json!({"filter": {"STATUS": -1}, "select": ["ID", "DEADLINE", "STATUS"]}),
        )
        .await;
    let list = overdue["result"]["tasks"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|t| t["subStatus"] == "-1"));
}

#[tokio::test]
async fn users_and_departments() {
    let p = common::start().await;
    let me = p.ok("user.current", json!({})).await["result"].clone();
    assert_eq!(me["ID"], "1");
    assert_eq!(me["ACTIVE"], true);
    assert_eq!(me["UF_DEPARTMENT"], json!([1]));
    assert!(
        me["TIMESTAMP_X"].as_str().unwrap().contains('.'),
        "portal date format"
    );
    let sales = p
        .ok(
            "user.get",
            json!({"FILTER": {"UF_DEPARTMENT": 2}, "SORT": "ID", "ORDER": "desc"}),
        )
        .await;
    let ids: Vec<&str> = sales["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["ID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["5", "4", "3", "2"]);
    assert_eq!(sales["total"], 4);
    let top_level = p.ok("user.get", json!({"LAST_NAME": "Попов"})).await;
    assert_eq!(top_level["result"][0]["NAME"], "Андрей");
    let found = p.ok("user.search", json!({"FIND": "кузнецов"})).await;
    assert_eq!(found["result"][0]["ID"], "3");
    let by_dep = p
        .ok(
            "user.search",
            json!({"FILTER": {"UF_DEPARTMENT_NAME": "бухгалт"}}),
        )
        .await;
    assert_eq!(by_dep["result"][0]["LAST_NAME"], "Новиков");
    let deps = p.ok("department.get", json!({"PARENT": 1})).await;
    assert_eq!(deps["total"], 4);
    assert_eq!(
        deps["result"][0],
        json!({"ID": "2", "NAME": "Отдел продаж", "SORT": 500, "PARENT": "1", "UF_HEAD": "2"})
    );
    let root = p.ok("department.get", json!({"ID": 1})).await;
    assert!(root["result"][0].get("PARENT").is_none());
    let profile = p.ok("profile", json!({})).await;
    assert_eq!(profile["result"]["ADMIN"], true);
}

#[tokio::test]
async fn messenger_and_portal_information() {
    let p = common::start().await;
    let id = p
        .ok(
            "im.notify.system.add",
            json!({"USER_ID": 3, "MESSAGE": "Сделка выиграна"}),
        )
        .await;
    assert!(id["result"].is_u64());
    let (status, body) = p
        .call("im.notify.system.add", json!({"MESSAGE": "x"}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("USER_ID_EMPTY"))
    );
    let message = p
        .ok(
            "im.message.add",
            json!({"DIALOG_ID": "chat12", "MESSAGE": "Привет"}),
        )
        .await;
    assert!(message["result"].is_u64());
    let (status, body) = p
        .call("im.message.add", json!({"DIALOG_ID": "3", "MESSAGE": ""}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("MESSAGE_EMPTY"))
    );
    let data = p.sandbox.data_json();
    assert_eq!(
        data["tables"]["notifications"]["rows"][0]["MESSAGE"],
        "Сделка выиграна"
    );
    let methods = p.ok("methods", json!({})).await["result"].clone();
    let methods: Vec<&str> = methods
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for expected in [
        "crm.deal.list",
        "tasks.task.add",
        "batch",
        "user.current",
        "crm.item.list",
    ] {
        assert!(methods.contains(&expected), "{expected}");
    }
    let scope = p.ok("scope", json!({})).await;
    assert!(scope["result"].as_array().unwrap().contains(&json!("crm")));
}
