//! The protocol parser over a corpus of real-looking model replies, good and broken.
//!
//! Every file in `tests/corpus/` is parsed and snapshotted with the feedback the model would get.
//! File names say what is expected: `good_*` parse to a step, `broken_*` to an error, `fake_*`
//! discard an invented observation.

use std::path::PathBuf;

use agent_core::protocol::render::render_parse_error;
use agent_core::protocol::{DiscardReason, ParsedReply, parse_reply};
use serde::Serialize;

#[derive(Serialize)]
struct View<'a> {
    input: &'a str,
    kept_text: &'a str,
    parsed: &'a ParsedReply,
    #[serde(skip_serializing_if = "Option::is_none")]
    feedback: Option<String>,
}

fn corpus() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (
                name,
                std::fs::read_to_string(&p).expect("utf-8 corpus file"),
            )
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "corpus is incomplete: {} files",
        files.len()
    );
    files
}

#[test]
fn corpus_snapshots() {
    for (name, text) in corpus() {
        let parsed = parse_reply(&text);
        let feedback = parsed.step.as_ref().err().map(|e| render_parse_error(e, 1));
        let view = View {
            input: &text,
            kept_text: &parsed.kept_text,
            parsed: &parsed,
            feedback,
        };
        insta::assert_yaml_snapshot!(name.as_str(), view);
    }
}

#[test]
fn corpus_outcomes_match_file_names() {
    for (name, text) in corpus() {
        let parsed = parse_reply(&text);
        if name.starts_with("broken_") {
            assert!(
                parsed.step.is_err(),
                "{name} should not parse: {:?}",
                parsed.step
            );
        } else {
            assert!(
                parsed.step.is_ok() || name == "fake_observation_only",
                "{name}: {:?}",
                parsed.step
            );
        }
        if name.starts_with("fake_") {
            assert!(
                parsed
                    .discarded
                    .iter()
                    .any(|d| d.reason == DiscardReason::FakeObservation),
                "{name} must discard the invented observation"
            );
            assert!(
                !parsed.kept_text.to_lowercase().contains("observation:"),
                "{name}"
            );
        }
    }
}

#[test]
fn nothing_after_a_fake_observation_is_executed() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/fake_observation.txt"),
    )
    .unwrap();
    let parsed = parse_reply(&text);
    let Ok(agent_core::protocol::ReplyStep::Act(actions)) = parsed.step else {
        panic!("expected actions: {:?}", parsed.step);
    };
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].method, "crm.deal.update");
}
