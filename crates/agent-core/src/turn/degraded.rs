//! Explicit commands typed by a person: `/call METHOD {json}` or `ACTION: {...}`.

use serde_json::{Value, json};

use crate::protocol::{self, ActionCall, Label, ParseError, ParseErrorKind, ReplyStep};

/// Reads an explicit command from a message: `None` when the message is not one, otherwise
/// the actions or why the command cannot be read. The actions go through the same policy as
/// the model's.
pub fn parse_command(message: &str) -> Option<Result<Vec<ActionCall>, ParseError>> {
    let trimmed = message.trim();
    let head = trimmed.get(..5).unwrap_or("");
    if head.eq_ignore_ascii_case("/call")
        && trimmed[5..].chars().next().is_none_or(char::is_whitespace)
    {
        return Some(parse_call(trimmed[5..].trim()));
    }
    let parsed = protocol::parse_reply(message);
    if !parsed.blocks.iter().any(|b| b.label == Label::Action) {
        return None;
    }
    Some(match parsed.step {
        Ok(ReplyStep::Act(actions)) => Ok(actions),
        Ok(ReplyStep::Answer(_)) => Err(ParseError::new(
            ParseErrorKind::NoActionOrAnswer,
            "the command has no ACTION",
        )),
        Err(e) => Err(e),
    })
}

fn parse_call(rest: &str) -> Result<Vec<ActionCall>, ParseError> {
    let (method, json_text) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    if method.is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::MissingMethod,
            "write /call METHOD {json params}",
        ));
    }
    let params: Value = if json_text.is_empty() {
        json!({})
    } else {
        serde_json::from_str(json_text).map_err(|e| {
            let mut err = ParseError::new(
                ParseErrorKind::InvalidJson,
                format!("the params are not valid JSON: {e}"),
            );
            err.position = Some((e.line(), e.column()));
            err
        })?
    };
    let action = json!({"method": method, "params": params}).to_string();
    protocol::parse_action_json(&action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        let ok = parse_command("/call crm.deal.get {\"id\": 5}")
            .unwrap()
            .unwrap();
        assert_eq!(ok, [ActionCall::new("crm.deal.get", json!({"id": 5}))]);
        let bare = parse_command("/CALL user.current").unwrap().unwrap();
        assert_eq!(bare, [ActionCall::new("user.current", json!({}))]);
        let action = parse_command("ACTION: {\"method\": \"crm.deal.list\"}")
            .unwrap()
            .unwrap();
        assert_eq!(action[0].method, "crm.deal.list");
        assert!(
            parse_command("/call crm.deal.get {id: 5}")
                .unwrap()
                .is_err()
        );
        assert!(parse_command("/call crm.deal.get [1]").unwrap().is_err());
        assert!(parse_command("/call").unwrap().is_err());
        assert!(parse_command("ACTION: not json").unwrap().is_err());
        assert!(parse_command("покажи сделки").is_none());
        assert!(parse_command("/callme").is_none());
    }
}
