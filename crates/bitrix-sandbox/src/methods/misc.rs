//! Messenger (`im.message.add`, `im.notify.*`) and portal information (`methods`,
//! `scope`, `server.time`).

use serde_json::{Value, json};

use super::{Family, MethodResult, Output, all_method_names, any_case};
use crate::coerce::{as_flag, as_id, as_text};
use crate::decode::Params;
use crate::errors::ApiError;
use crate::portal::Portal;
use crate::schema;
use crate::store::Row;

pub(crate) const FAMILY: Family = Family {
    names: &[
        "im.message.add",
        "im.notify.system.add",
        "im.notify.personal.add",
        "im.notify",
        "methods",
        "method.get",
        "scope",
        "server.time",
    ],
    call,
};

/// The scopes the sandbox's webhook has (all it serves).
const SCOPES: &[&str] = &["crm", "task", "user", "user_brief", "department", "im"];

fn call(portal: &Portal, method: &str, params: &Params) -> MethodResult {
    match method {
        "im.message.add" => message_add(portal, params),
        "im.notify.system.add" | "im.notify.personal.add" | "im.notify" => {
            notify(portal, method, params)
        }
        "methods" => Ok(Output::value(json!(all_method_names()))),
        "method.get" => {
            let name = any_case(params, "name")
                .and_then(as_text)
                .unwrap_or_default();
            let known = all_method_names().contains(&name.to_ascii_lowercase().as_str());
            Ok(Output::value(
                json!({"isExisting": known, "isAvailable": known}),
            ))
        }
        "scope" => Ok(Output::value(json!(SCOPES))),
        "server.time" => Ok(Output::value(json!(portal.now_iso()))),
        _ => Err(ApiError::method_not_found()),
    }
}

fn message_add(portal: &Portal, params: &Params) -> MethodResult {
    let dialog = any_case(params, "DIALOG_ID")
        .and_then(as_text)
        .unwrap_or_default();
    if dialog.trim().is_empty() {
        return Err(ApiError::new(
            400,
            "DIALOG_ID_EMPTY",
            "Dialog ID can't be empty",
        ));
    }
    let message = any_case(params, "MESSAGE")
        .and_then(as_text)
        .unwrap_or_default();
    if message.trim().is_empty() {
        return Err(ApiError::new(
            400,
            "MESSAGE_EMPTY",
            "Message can't be empty",
        ));
    }
    let mut data = portal.write();
    if let Ok(user) = dialog.parse::<u64>() {
        if data.users.get(user).is_none() {
            return Err(ApiError::new(400, "USER_NOT_FOUND", "User not found"));
        }
    } else if !dialog.starts_with("chat") && !dialog.starts_with("sg") {
        return Err(ApiError::new(
            400,
            "DIALOG_ID_EMPTY",
            "Dialog ID can't be empty",
        ));
    }
    let s = &schema::MESSAGE;
    let mut row = Row::empty(s);
    row.set(s, "DIALOG_ID", dialog);
    row.set(s, "AUTHOR_ID", portal.user_id);
    row.set(s, "MESSAGE", message);
    let system = any_case(params, "SYSTEM").and_then(as_flag) == Some(true);
    row.set(s, "SYSTEM", if system { "Y" } else { "N" });
    row.set(s, "DATE", portal.now_iso());
    let id = data.messages.insert(row);
    portal.touch();
    Ok(Output::value(id))
}

fn notify(portal: &Portal, method: &str, params: &Params) -> MethodResult {
    let user = any_case(params, "USER_ID").and_then(as_id);
    let Some(user) = user else {
        return Err(ApiError::new(
            400,
            "USER_ID_EMPTY",
            "Recipient ID can't be empty",
        ));
    };
    let message = any_case(params, "MESSAGE")
        .and_then(as_text)
        .unwrap_or_default();
    if message.trim().is_empty() {
        return Err(ApiError::new(
            400,
            "MESSAGE_EMPTY",
            "Message can't be empty",
        ));
    }
    let mut data = portal.write();
    if data.users.get(user).is_none() {
        return Err(ApiError::new(
            400,
            "USER_ID_EMPTY",
            "Recipient ID can't be empty",
        ));
    }
    let kind = match method {
        "im.notify.personal.add" => "USER",
        "im.notify" => match any_case(params, "TYPE").and_then(as_text).as_deref() {
            Some("USER") => "USER",
            _ => "SYSTEM",
        },
        _ => "SYSTEM",
    };
    let s = &schema::NOTIFICATION;
    let mut row = Row::empty(s);
    row.set(s, "USER_ID", user);
    row.set(s, "AUTHOR_ID", portal.user_id);
    row.set(s, "TYPE", kind);
    row.set(s, "MESSAGE", message);
    let text = |name: &str| {
        any_case(params, name)
            .and_then(as_text)
            .map_or(Value::Null, Value::from)
    };
    row.0[s.at("MESSAGE_OUT")] = text("MESSAGE_OUT");
    row.0[s.at("TAG")] = text("TAG");
    row.set(s, "DATE", portal.now_iso());
    let id = data.notifications.insert(row);
    portal.touch();
    Ok(Output::value(id))
}
