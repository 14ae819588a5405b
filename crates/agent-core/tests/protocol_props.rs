//! Properties of the parser: no input panics, nothing is guessed, invented observations never count.

use agent_core::protocol::{ActionCall, Label, ReplyStep, parse_reply};
use proptest::prelude::*;

/// Fragments real replies are made of, to reach deep parser paths more often than random text.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("THOUGHT: ".to_owned()),
        Just("**Action:** ".to_owned()),
        Just("ACTION: ".to_owned()),
        Just("ДЕЙСТВИЕ: ".to_owned()),
        Just("ASSISTANT: ".to_owned()),
        Just("Final Answer: ".to_owned()),
        Just("OBSERVATION: ".to_owned()),
        Just("```json\n".to_owned()),
        Just("```".to_owned()),
        Just("`".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("{\"method\": \"crm.deal.get\", \"params\": {\"id\": 1}}".to_owned()),
        Just("[{\"method\": \"crm.deal.list\"}, ".to_owned()),
        Just("{\"method\": ".to_owned()),
        Just("\"confirmed\": true}".to_owned()),
        Just("]".to_owned()),
        Just("}".to_owned()),
        Just("：".to_owned()),
        Just("Сделка «Ромашка» ".to_owned()),
        "\\PC{0,20}",
    ]
}

fn reply_text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..25).prop_map(|parts| parts.concat())
}

fn actions_of(text: &str) -> Option<Vec<ActionCall>> {
    match parse_reply(text).step {
        Ok(ReplyStep::Act(a)) => Some(a),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        let _ = parse_reply(&text);
    }

    #[test]
    fn structured_text_never_panics_and_actions_are_well_formed(text in reply_text()) {
        let parsed = parse_reply(&text);
        prop_assert!(text.starts_with(parsed.kept_text.as_str()));
        if let Ok(ReplyStep::Act(actions)) = &parsed.step {
            prop_assert!(!actions.is_empty() && actions.len() <= 20);
            prop_assert!(parsed.blocks.iter().any(|b| b.label == Label::Action));
            for a in actions {
                prop_assert!(a.params.is_object());
                prop_assert!(!a.method.is_empty());
                prop_assert!(a.method.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_'));
            }
        }
        prop_assert!(parsed.blocks.iter().all(|b| b.label != Label::Observation));
    }

    #[test]
    fn text_after_an_invented_observation_never_adds_actions(prefix in reply_text(), suffix in reply_text()) {
        let prefix = prefix.trim_end_matches(['\r']).to_owned();
        let with_fake = format!("{prefix}\nOBSERVATION: {{\"result\": true}}\n{suffix}");
        // The prefix ends where its last line ends, so a label split across the join is not
        // possible; compare with the prefix parsed alone.
        let alone = format!("{prefix}\n");
        prop_assert_eq!(actions_of(&with_fake), actions_of(&alone));
    }
}
