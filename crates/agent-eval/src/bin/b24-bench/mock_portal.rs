//! An in-process portal for overhead benchmarks: canned answers, no sockets, no parsing of
//! HTTP, so what is measured is the agent's own machinery.

use async_trait::async_trait;
use bitrix_client::{BatchCall, BatchItem, BatchOutcome, BitrixApi, CallOutput, Error};
use serde_json::{Value, json};

/// Canned answers of a small company portal: two pipelines, eight users, pages of 50 deals.
pub struct MockPortal {
    categories: Value,
    stages: Value,
    users: Value,
    deals: Value,
}

fn output(result: Value, total: Option<u64>, next: Option<u64>) -> CallOutput {
    CallOutput {
        result,
        total,
        next,
        time: None,
    }
}

impl MockPortal {
    /// The canned portal.
    pub fn new() -> Self {
        let stage = |code: &str, name: &str, semantics: Option<&str>| json!({"STATUS_ID": code, "NAME": name, "SEMANTICS": semantics, "ENTITY_ID": "DEAL_STAGE"});
        let stages = json!([
            stage("NEW", "Новая", None),
            stage("PREPARATION", "Подготовка документов", None),
            stage("EXECUTING", "В работе", None),
            stage("FINAL_INVOICE", "Финальный счёт", None),
            stage("WON", "Сделка успешна", Some("S")),
            stage("LOSE", "Сделка провалена", Some("F")),
        ]);
        let names = [
            ("Алексей", "Смирнов", "Генеральный директор"),
            ("Мария", "Иванова", "Руководитель отдела продаж"),
            ("Дмитрий", "Кузнецов", "Менеджер по продажам"),
            ("Екатерина", "Соколова", "Менеджер по продажам"),
            (
                "Андрей",
                "Попов",
                "Менеджер по работе с ключевыми клиентами",
            ),
            ("Ольга", "Васильева", "Маркетолог"),
            ("Сергей", "Новиков", "Главный бухгалтер"),
            ("Наталья", "Морозова", "Специалист службы поддержки"),
        ];
        let users: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(i, (first, last, position))| {
                json!({"ID": (i + 1).to_string(), "NAME": first, "LAST_NAME": last, "WORK_POSITION": position, "ACTIVE": true})
            })
            .collect();
        let deals: Vec<Value> = (1..=50)
            .map(|i| {
                json!({
                    "ID": i.to_string(),
                    "TITLE": format!("Поставка оборудования №{i} для ООО «Ромашка»"),
                    "STAGE_ID": "EXECUTING",
                    "OPPORTUNITY": format!("{}.00", 100_000 + i * 1_000),
                    "ASSIGNED_BY_ID": ((i % 8) + 1).to_string(),
                })
            })
            .collect();
        Self {
            categories: json!({"categories": [{"id": 0, "name": "Общая"}, {"id": 1, "name": "Тендеры"}]}),
            stages,
            users: Value::Array(users),
            deals: Value::Array(deals),
        }
    }

    fn answer(&self, method: &str) -> Result<CallOutput, Error> {
        match method {
            "crm.category.list" => Ok(output(self.categories.clone(), Some(2), None)),
            "crm.status.list" => Ok(output(self.stages.clone(), Some(6), None)),
            "user.get" => Ok(output(self.users.clone(), Some(8), None)),
            "crm.deal.list" => Ok(output(self.deals.clone(), Some(10_000), Some(50))),
            "crm.deal.get" => Ok(output(self.deals[0].clone(), None, None)),
            _ => Err(Error::api(
                404,
                "ERROR_METHOD_NOT_FOUND",
                "Method not found!",
            )),
        }
    }
}

#[async_trait]
impl BitrixApi for MockPortal {
    async fn call(&self, method: &str, _params: Value) -> Result<CallOutput, Error> {
        self.answer(method)
    }

    async fn batch(&self, calls: Vec<BatchCall>, _halt: bool) -> Result<BatchOutcome, Error> {
        let items = calls
            .into_iter()
            .map(|c| {
                let item = BatchItem::from_result(self.answer(&c.method));
                (c.key, item)
            })
            .collect();
        Ok(BatchOutcome { items, time: None })
    }
}
