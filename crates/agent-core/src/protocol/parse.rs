//! The tolerant parser of model replies.

use serde_json::{Map, Value};

use super::{
    ActionCall, Block, DiscardReason, Discarded, Label, ParseError, ParseErrorKind, ParsedReply,
    ReplyStep,
};

/// The most actions one reply may ask for (all of its `ACTION:` blocks together).
pub const MAX_ACTIONS_PER_REPLY: usize = 20;

/// Label words, lower-cased, and what they mean. Two-word labels are matched as written.
const LABEL_WORDS: &[(&str, Label)] = &[
    ("thought", Label::Thought),
    ("thoughts", Label::Thought),
    ("мысль", Label::Thought),
    ("мысли", Label::Thought),
    ("размышление", Label::Thought),
    ("рассуждение", Label::Thought),
    ("action", Label::Action),
    ("действие", Label::Action),
    ("assistant", Label::Assistant),
    ("ответ", Label::Assistant),
    ("final answer", Label::Assistant),
    ("observation", Label::Observation),
    ("observations", Label::Observation),
    ("наблюдение", Label::Observation),
];

/// Markdown decoration models put around labels: `**THOUGHT:**`, `### Action:`, `> ASSISTANT:`.
fn is_decoration(c: char) -> bool {
    matches!(c, '#' | '*' | '_' | '>' | '`' | ' ' | '\t')
}

/// Recognises a label at the start of a line; returns it and the rest of the line.
fn match_label(line: &str) -> Option<(Label, &str)> {
    let s = line.trim_start_matches(is_decoration);
    let word_end = s
        .char_indices()
        .find(|&(_, c)| !c.is_alphabetic())
        .map_or(s.len(), |(i, _)| i);
    if word_end == 0 {
        return None;
    }
    let mut word = s[..word_end].to_lowercase();
    let mut rest = &s[word_end..];
    if word == "final" {
        let after = rest.trim_start_matches(' ');
        let next_end = after
            .char_indices()
            .find(|&(_, c)| !c.is_alphabetic())
            .map_or(after.len(), |(i, _)| i);
        word = format!("final {}", after[..next_end].to_lowercase());
        rest = &after[next_end..];
    }
    let label = LABEL_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|&(_, l)| l)?;
    let rest = rest.trim_start_matches(['*', '_', '`', ' ', '\t']);
    let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?;
    Some((label, rest.trim_start_matches(['*', '_', '`'])))
}

/// A labelled segment of the raw reply before interpretation.
struct Segment<'a> {
    label: Label,
    /// The whole line that carried the label (to restore it when the label is not one).
    header: &'a str,
    /// The length of the label line's own text at the start of `text`.
    rest_len: usize,
    text: String,
}

/// Parses a model reply. Never panics; never guesses an action.
pub fn parse_reply(text: &str) -> ParsedReply {
    let mut preamble = String::new();
    let mut segments: Vec<Segment<'_>> = Vec::new();
    let mut discarded = Vec::new();
    let mut kept_len = text.len();

    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let bare = line.trim_end_matches(['\n', '\r']);
        match match_label(bare) {
            Some((Label::Observation, _)) => {
                discarded.push(Discarded {
                    reason: DiscardReason::FakeObservation,
                    text: text[line_start..].trim().to_owned(),
                });
                kept_len = line_start;
                break;
            }
            Some((label, rest)) => segments.push(Segment {
                label,
                header: bare,
                rest_len: rest.len(),
                text: rest.to_owned(),
            }),
            None => match segments.last_mut() {
                Some(seg) => {
                    seg.text.push('\n');
                    seg.text.push_str(bare);
                }
                None => {
                    preamble.push_str(bare);
                    preamble.push('\n');
                }
            },
        }
    }

    // After an ASSISTANT block, an "Action:" line that carries no JSON is part of the answer
    // text (e.g. a list of next steps), not a malformed action.
    let mut merged: Vec<Segment<'_>> = Vec::with_capacity(segments.len());
    for seg in segments {
        let after_answer = merged.iter().any(|s| s.label == Label::Assistant);
        let starts_like_json = seg.text.trim_start().starts_with(['{', '[', '`']);
        match merged.last_mut() {
            Some(prev)
                if after_answer
                    && prev.label == Label::Assistant
                    && seg.label == Label::Action
                    && !starts_like_json =>
            {
                prev.text.push('\n');
                prev.text.push_str(seg.header);
                prev.text.push_str(&seg.text[seg.rest_len..]);
            }
            _ => merged.push(seg),
        }
    }

    let blocks: Vec<Block> = merged
        .iter()
        .map(|s| Block {
            label: s.label,
            text: s.text.trim().to_owned(),
        })
        .collect();
    let preamble = Some(preamble.trim().to_owned()).filter(|p| !p.is_empty());
    let step = interpret(&blocks, preamble.is_some(), text, &mut discarded);
    ParsedReply {
        preamble,
        blocks,
        discarded,
        step,
        kept_text: text[..kept_len].trim_end().to_owned(),
    }
}

/// Decides what the blocks ask for.
fn interpret(
    blocks: &[Block],
    has_preamble: bool,
    raw: &str,
    discarded: &mut Vec<Discarded>,
) -> Result<ReplyStep, ParseError> {
    if raw.trim().is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::Empty,
            "The reply is empty.",
        ));
    }
    if blocks.is_empty() {
        let what = if has_preamble {
            "The reply has no THOUGHT:, ACTION: or ASSISTANT: label, so nothing in it was used."
        } else {
            "The reply only invented an OBSERVATION; results come from the agent, never from you."
        };
        return Err(ParseError::new(ParseErrorKind::NoLabel, what));
    }
    let mut actions = Vec::new();
    for block in blocks.iter().filter(|b| b.label == Label::Action) {
        let (calls, around) = parse_action_block(&block.text)?;
        actions.extend(calls);
        discarded.extend(around.into_iter().map(|text| Discarded {
            reason: DiscardReason::TextAroundJson,
            text,
        }));
    }
    let answers: Vec<&str> = blocks
        .iter()
        .filter(|b| b.label == Label::Assistant)
        .map(|b| b.text.as_str())
        .collect();
    if !actions.is_empty() {
        if actions.len() > MAX_ACTIONS_PER_REPLY {
            return Err(ParseError::new(
                ParseErrorKind::TooManyActions,
                format!(
                    "The reply asks for {} actions; at most {MAX_ACTIONS_PER_REPLY} are allowed in one reply.",
                    actions.len()
                ),
            ));
        }
        discarded.extend(answers.iter().filter(|a| !a.is_empty()).map(|a| Discarded {
            reason: DiscardReason::AssistantWithAction,
            text: (*a).to_owned(),
        }));
        return Ok(ReplyStep::Act(actions));
    }
    if answers.is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::NoActionOrAnswer,
            "The reply has neither an ACTION: nor an ASSISTANT: block.",
        ));
    }
    let answer = answers
        .iter()
        .filter(|a| !a.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n\n");
    if answer.is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::EmptyAnswer,
            "The ASSISTANT: block is empty.",
        ));
    }
    Ok(ReplyStep::Answer(answer))
}

/// Extracts and validates the JSON of one `ACTION:` block; also returns ignored text around it.
fn parse_action_block(text: &str) -> Result<(Vec<ActionCall>, Vec<String>), ParseError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::EmptyAction,
            "The ACTION: block is empty.",
        ));
    }
    let mut around = Vec::new();
    let json_text = if t.starts_with(['{', '[']) {
        t
    } else if let Some(start) = t.find("```") {
        let before = t[..start].trim();
        if !before.is_empty() {
            around.push(before.to_owned());
        }
        let after_ticks = &t[start + 3..];
        let lang_len = after_ticks
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(after_ticks.len());
        let body = &after_ticks[lang_len..];
        match body.find("```") {
            Some(end) => {
                let after = body[end + 3..].trim();
                if !after.is_empty() {
                    around.push(after.to_owned());
                }
                &body[..end]
            }
            None => body,
        }
    } else if t.starts_with('`') {
        t.trim_matches('`')
    } else {
        return Err(ParseError::new(
            ParseErrorKind::ActionNotJson,
            "The ACTION: block must contain JSON (an object or an array), and nothing else before it.",
        ));
    };
    let (calls, trailing) = parse_action_json_with_rest(json_text)?;
    if let Some(trailing) = trailing {
        around.push(trailing);
    }
    Ok((calls, around))
}

/// Parses the JSON of an action (an object or an array of objects) into calls.
///
/// Text after the JSON value is an error here; use it for commands typed by a person.
pub fn parse_action_json(json_text: &str) -> Result<Vec<ActionCall>, ParseError> {
    match parse_action_json_with_rest(json_text)? {
        (calls, None) => Ok(calls),
        (_, Some(rest)) => Err(ParseError::new(
            ParseErrorKind::InvalidJson,
            format!(
                "Unexpected text after the JSON: {}",
                rest.chars().take(40).collect::<String>()
            ),
        )),
    }
}

fn parse_action_json_with_rest(
    json_text: &str,
) -> Result<(Vec<ActionCall>, Option<String>), ParseError> {
    let trimmed = json_text.trim();
    if trimmed.is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::EmptyAction,
            "The ACTION: block has no JSON.",
        ));
    }
    if !trimmed.starts_with(['{', '[']) {
        return Err(ParseError::new(
            ParseErrorKind::ActionNotJson,
            "The ACTION: JSON must be an object or an array.",
        ));
    }
    let mut stream = serde_json::Deserializer::from_str(trimmed).into_iter::<Value>();
    let value = match stream.next() {
        Some(Ok(value)) => value,
        Some(Err(e)) => {
            let mut err = ParseError::new(
                ParseErrorKind::InvalidJson,
                format!("The ACTION: JSON is invalid: {e}."),
            );
            err.position = Some((e.line(), e.column()));
            return Err(err);
        }
        None => {
            return Err(ParseError::new(
                ParseErrorKind::EmptyAction,
                "The ACTION: block has no JSON.",
            ));
        }
    };
    let rest = trimmed[stream.byte_offset()..].trim();
    if rest
        .trim_start_matches([',', ' ', '\n', '\r', '\t'])
        .starts_with(['{', '['])
    {
        return Err(ParseError::new(
            ParseErrorKind::SeveralJsonValues,
            "The ACTION: block holds several JSON values one after another.",
        ));
    }
    let calls = match value {
        Value::Object(map) => vec![to_call(map, None)?],
        Value::Array(items) => {
            if items.is_empty() {
                return Err(ParseError::new(
                    ParseErrorKind::EmptyActionList,
                    "The ACTION: array is empty.",
                ));
            }
            if items.len() > MAX_ACTIONS_PER_REPLY {
                return Err(ParseError::new(
                    ParseErrorKind::TooManyActions,
                    format!(
                        "The ACTION: array has {} actions; at most {MAX_ACTIONS_PER_REPLY} are allowed.",
                        items.len()
                    ),
                ));
            }
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Object(map) => to_call(map, Some(i)),
                    _ => Err(ParseError::new(
                        ParseErrorKind::NotAnAction,
                        format!("Action #{} of the array is not a JSON object.", i + 1),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        _ => {
            return Err(ParseError::new(
                ParseErrorKind::NotAnAction,
                "The ACTION: JSON must be an object or an array of objects.",
            ));
        }
    };
    Ok((calls, Some(rest.to_owned()).filter(|r| !r.is_empty())))
}

/// Validates one action object.
fn to_call(map: Map<String, Value>, index: Option<usize>) -> Result<ActionCall, ParseError> {
    let at = |msg: String| match index {
        Some(i) => format!("Action #{}: {msg}", i + 1),
        None => msg,
    };
    if let Some(key) = map
        .keys()
        .find(|k| !matches!(k.as_str(), "method" | "params" | "confirmed"))
    {
        return Err(ParseError::new(
            ParseErrorKind::UnknownKey,
            at(format!(
                "unknown key \"{key}\"; an action has only \"method\", \"params\" and \"confirmed\" (put the method's parameters inside \"params\")."
            )),
        ));
    }
    let method = match map.get("method") {
        Some(Value::String(m)) => m.trim().to_ascii_lowercase(),
        Some(_) => {
            return Err(ParseError::new(
                ParseErrorKind::MissingMethod,
                at("\"method\" must be a string.".into()),
            ));
        }
        None => {
            return Err(ParseError::new(
                ParseErrorKind::MissingMethod,
                at("the action has no \"method\".".into()),
            ));
        }
    };
    let plausible = !method.is_empty()
        && method.len() <= 100
        && method.starts_with(|c: char| c.is_ascii_alphabetic())
        && method
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if !plausible {
        return Err(ParseError::new(
            ParseErrorKind::InvalidMethod,
            at(format!(
                "\"{}\" is not a REST method name.",
                method.chars().take(60).collect::<String>()
            )),
        ));
    }
    let params = match map.get("params") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(Value::Object(p)) => Value::Object(p.clone()),
        Some(_) => {
            return Err(ParseError::new(
                ParseErrorKind::InvalidParams,
                at("\"params\" must be a JSON object.".into()),
            ));
        }
    };
    let confirmed = match map.get("confirmed") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ParseError::new(
                ParseErrorKind::InvalidConfirmed,
                at("\"confirmed\" must be true or false.".into()),
            ));
        }
    };
    Ok(ActionCall {
        method,
        params,
        confirmed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_decorated_labels() {
        for line in [
            "THOUGHT: x",
            "Thought: x",
            "**THOUGHT:** x",
            "**Thought**: x",
            "### Thought: x",
            "  thought : x",
            "МЫСЛЬ: x",
            "Мысль：x",
        ] {
            let (label, rest) = match_label(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(label, Label::Thought, "{line}");
            assert_eq!(rest.trim(), "x", "{line}");
        }
        assert_eq!(
            match_label("Final Answer: готово").map(|(l, _)| l),
            Some(Label::Assistant)
        );
        assert!(match_label("Action items are due").is_none());
        assert!(match_label("Thoughtful: no").is_none());
        assert!(match_label("\"action\": 1").is_none());
    }

    #[test]
    fn action_line_after_answer_without_json_stays_in_the_answer() {
        let reply = parse_reply("ASSISTANT: План:\nДействие: позвонить клиенту\nГотово.");
        assert_eq!(
            reply.step,
            Ok(ReplyStep::Answer(
                "План:\nДействие: позвонить клиенту\nГотово.".into()
            ))
        );
    }
}
