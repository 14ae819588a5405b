//! The fixed messages the agent writes itself, in Russian and English.

use chrono::{DateTime, Utc};
use llm_client::Availability;
use serde_json::Value;
use state_store::Memory;

use crate::context::PortalContext;
use crate::language::Lang;
use crate::protocol::ActionCall;
use crate::protocol::render::ObservedStatus;
use crate::record::CallRecord;
use crate::util::{as_u64, get_ci, shorten};

/// What a method does, as a verb phrase in the user's language.
fn verb(method: &str, lang: Lang) -> &'static str {
    let op = method.rsplit('.').next().unwrap_or("");
    match (method, op) {
        ("im.message.add", _) => lang.pick("Отправить сообщение", "Send a message"),
        (m, _) if m.starts_with("im.notify") => {
            lang.pick("Отправить уведомление", "Send a notification")
        }
        (_, "delete") => lang.pick("Удалить", "Delete"),
        (_, "update") => lang.pick("Изменить", "Update"),
        (_, "add") => lang.pick("Создать", "Create"),
        (_, "complete") => lang.pick("Завершить", "Complete"),
        _ => lang.pick("Выполнить", "Run"),
    }
}

/// The object of a method, in the case the verb needs.
fn noun(method: &str, lang: Lang) -> &'static str {
    let table: [(&str, &str, &str); 10] = [
        ("crm.deal.", "сделку", "deal"),
        ("crm.lead.", "лид", "lead"),
        ("crm.contact.", "контакт", "contact"),
        ("crm.company.", "компанию", "company"),
        ("crm.item.", "элемент CRM", "CRM item"),
        (
            "crm.timeline.comment.",
            "комментарий в таймлайне",
            "timeline comment",
        ),
        ("crm.activity.", "дело", "activity"),
        ("tasks.task.", "задачу", "task"),
        ("task.commentitem.", "комментарий к задаче", "task comment"),
        ("im.", "", ""),
    ];
    table
        .iter()
        .find(|(prefix, _, _)| method.starts_with(prefix))
        .map_or("", |(_, ru, en)| lang.pick(ru, en))
}

/// Describes an action for a person: what will change, on which record, then the exact call.
pub fn describe_action(
    action: &ActionCall,
    portal: Option<&PortalContext>,
    memory: &Memory,
    lang: Lang,
) -> String {
    let mut out = verb(&action.method, lang).to_owned();
    let noun = noun(&action.method, lang);
    if !noun.is_empty() {
        out.push(' ');
        out.push_str(noun);
    }
    if let Some(id) = get_ci(&action.params, &["id", "taskId"]).and_then(as_u64) {
        out.push_str(&format!(" #{id}"));
        let title = memory
            .entities
            .iter()
            .find(|e| e.id == id && action.method.contains(&format!(".{}.", e.kind)))
            .and_then(|e| e.title.as_deref());
        if let Some(title) = title {
            out.push_str(&format!(" «{title}»"));
        }
    }
    let stage = get_ci(&action.params, &["fields"])
        .and_then(|f| get_ci(f, &["STAGE_ID", "stageId"]))
        .and_then(Value::as_str);
    if let Some(code) = stage {
        let name = portal.and_then(|p| p.stage(code)).map(|s| s.name.as_str());
        match name {
            Some(name) => out.push_str(&format!(
                "{} «{name}» ({code})",
                lang.pick(": стадия →", ": stage →")
            )),
            None => out.push_str(&format!("{} {code}", lang.pick(": стадия →", ": stage →"))),
        }
    }
    if let Some(to) = get_ci(&action.params, &["USER_ID", "DIALOG_ID"]) {
        let to_text = match to {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let name = as_u64(to).and_then(|id| portal.and_then(|p| p.user_name(id)));
        match name {
            Some(name) => out.push_str(&format!(" → {name} ({to_text})")),
            None => out.push_str(&format!(" → {to_text}")),
        }
    }
    let exact = shorten(&format!("{} {}", action.method, action.params), 300);
    format!("{out}\n   `{exact}`")
}

/// Asks the user to confirm held actions.
pub fn consent_question(
    descriptions: &[String],
    reason: &str,
    expires_at: DateTime<Utc>,
    lang: Lang,
) -> String {
    let list: Vec<String> = descriptions
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{}. {d}", i + 1))
        .collect();
    let until = expires_at.format("%H:%M UTC");
    match lang {
        Lang::Ru => format!(
            "Нужно ваше подтверждение ({reason}):\n{}\n\nНичего ещё не выполнено. Ответьте «да» (или /confirm), чтобы выполнить ровно это, или «нет» (/cancel), чтобы отменить. Предложение действует до {until}.",
            list.join("\n")
        ),
        Lang::En => format!(
            "I need your confirmation ({reason}):\n{}\n\nNothing has been done yet. Reply \"yes\" (or /confirm) to run exactly this, or \"no\" (/cancel) to drop it. The offer stands until {until}.",
            list.join("\n")
        ),
    }
}

/// Confirms that a pending action was dropped at the user's request.
pub fn consent_refused(descriptions: &[String], lang: Lang) -> String {
    format!(
        "{}\n{}",
        lang.pick(
            "Отменено, ничего не выполнено:",
            "Cancelled; nothing was done:"
        ),
        descriptions.join("\n")
    )
}

/// Explains that the consent came after the offer expired.
pub fn consent_expired(descriptions: &[String], lang: Lang) -> String {
    format!(
        "{}\n{}\n{}",
        lang.pick(
            "Срок подтверждения истёк, поэтому ничего не выполнено:",
            "The confirmation window has passed, so nothing was done:"
        ),
        descriptions.join("\n"),
        lang.pick(
            "Если это всё ещё нужно, повторите просьбу.",
            "If you still want it, ask again."
        )
    )
}

/// Explains that the stored pending action is damaged.
pub fn consent_damaged(lang: Lang) -> &'static str {
    lang.pick(
        "Сохранённое действие для подтверждения повреждено или изменено, поэтому оно не выполнено. Повторите просьбу.",
        "The stored action awaiting confirmation is damaged or was changed, so it was not run. Please ask again.",
    )
}

/// Explains that a consented action did not run because the state could not be saved.
pub fn state_not_saved(detail: &str, lang: Lang) -> String {
    format!(
        "{} {detail}",
        lang.pick(
            "Не удалось сохранить состояние, поэтому подтверждённое действие не выполнено; повторите «да» чуть позже:",
            "Could not save the state, so the confirmed action was not run; say \"yes\" again a bit later:"
        )
    )
}

/// Explains degraded mode: why the model is unavailable and what to set.
pub fn degraded(availability: &Availability, lang: Lang) -> String {
    let why = match (availability, lang) {
        (Availability::NoKey, Lang::Ru) => "не задан ключ API. Укажите OPENAI_API_KEY (и при необходимости OPENAI_API_BASE, OPENAI_MODEL) в окружении или в .env.".to_owned(),
        (Availability::NoKey, Lang::En) => "no API key is set. Set OPENAI_API_KEY (and OPENAI_API_BASE, OPENAI_MODEL if needed) in the environment or in .env.".to_owned(),
        (Availability::KeyRejected, Lang::Ru) => "сервер модели отклонил ключ. Проверьте OPENAI_API_KEY и что он подходит к OPENAI_API_BASE.".to_owned(),
        (Availability::KeyRejected, Lang::En) => "the model server rejected the key. Check OPENAI_API_KEY and that it belongs to OPENAI_API_BASE.".to_owned(),
        (Availability::Unreachable { detail }, Lang::Ru) => format!("сервер модели недоступен ({detail}). Проверьте OPENAI_API_BASE и сеть."),
        (Availability::Unreachable { detail }, Lang::En) => format!("the model server cannot be reached ({detail}). Check OPENAI_API_BASE and the network."),
        (Availability::QuotaExhausted, Lang::Ru) => "у аккаунта модели закончилась квота. Пополните баланс или укажите другой OPENAI_API_KEY.".to_owned(),
        (Availability::QuotaExhausted, Lang::En) => "the model account has no quota left. Top it up or set another OPENAI_API_KEY.".to_owned(),
        (Availability::Failed { detail }, Lang::Ru) => format!("модель не отвечает ({detail})."),
        (Availability::Failed { detail }, Lang::En) => format!("the model does not answer ({detail})."),
        (Availability::Ready, _) => String::new(),
    };
    format!(
        "{} {why}",
        lang.pick(
            "Модель недоступна, работаю без неё:",
            "The model is unavailable, working without it:"
        )
    )
}

/// How to use explicit commands without a model.
pub fn degraded_help(lang: Lang) -> &'static str {
    lang.pick(
        "Без модели я выполняю только явные команды, под теми же правилами безопасности: `/call МЕТОД {json}` или `ACTION: {\"method\": \"crm.deal.get\", \"params\": {\"id\": 1}}`.",
        "Without a model I run only explicit commands, under the same safety rules: `/call METHOD {json}` or `ACTION: {\"method\": \"crm.deal.get\", \"params\": {\"id\": 1}}`.",
    )
}

/// Explains a command that could not be read.
pub fn bad_command(error: &str, lang: Lang) -> String {
    format!(
        "{} {error}",
        lang.pick(
            "Не удалось разобрать команду:",
            "Could not read the command:"
        )
    )
}

/// Ends a turn whose model replies could not be parsed.
pub fn protocol_errors(lang: Lang) -> &'static str {
    lang.pick(
        "Модель несколько раз ответила в неверном формате, поэтому я остановился; из этих ответов ничего не выполнено. Попробуйте переформулировать просьбу.",
        "The model answered in an invalid format several times, so I stopped; nothing from those answers was run. Please rephrase the request.",
    )
}

/// Ends a turn that reached the step limit.
pub fn step_limit(max_steps: usize, lang: Lang) -> String {
    match lang {
        Lang::Ru => format!("Не уложился в {max_steps} шагов и остановился, не закончив ответ."),
        Lang::En => format!("I stopped after {max_steps} steps without finishing the answer."),
    }
}

/// Ends a turn because the portal cannot be used.
pub fn portal_unavailable(detail: &str, lang: Lang) -> String {
    format!(
        "{} {detail}",
        lang.pick(
            "Портал Bitrix24 сейчас недоступен, я остановился:",
            "The Bitrix24 portal is unavailable right now, so I stopped:"
        )
    )
}

/// Ends a turn because the model failed midway.
pub fn model_failed(detail: &str, lang: Lang) -> String {
    format!(
        "{} {detail}",
        lang.pick(
            "Модель перестала отвечать, я остановился:",
            "The model stopped answering, so I stopped:"
        )
    )
}

/// Lists what the turn's calls did, for fixed replies ("what was done so far").
pub fn calls_summary(calls: &[CallRecord], lang: Lang) -> String {
    if calls.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = calls
        .iter()
        .map(|c| {
            let status = match c.status {
                ObservedStatus::Ok => lang.pick("выполнено", "done"),
                ObservedStatus::Error => lang.pick("ошибка портала", "portal error"),
                ObservedStatus::Planned => lang.pick(
                    "только запланировано, не выполнено",
                    "planned only, not run",
                ),
                ObservedStatus::Held => lang.pick("ждёт подтверждения", "awaiting confirmation"),
                ObservedStatus::Refused => {
                    lang.pick("отклонено политикой", "refused by the policy")
                }
                ObservedStatus::OutcomeUnknown => lang.pick(
                    "неизвестно, выполнено ли (не повторяю; проверьте на портале)",
                    "unknown whether it ran (not repeated; check the portal)",
                ),
                ObservedStatus::Skipped => lang.pick("пропущено", "skipped"),
            };
            let mut line = format!("- {}: {status}", c.method);
            if let Some(err) = &c.error {
                line.push_str(&format!(" ({} {})", err.code, err.description));
            }
            if let Some(result) = &c.result {
                line.push_str(&format!("\n  {}", shorten(&result.to_string(), 400)));
            }
            line
        })
        .collect();
    format!(
        "{}\n{}",
        lang.pick("Что сделано:", "What was done:"),
        lines.join("\n")
    )
}
