//! The examples in `spec/04_state_and_memory.md` are the test fixtures, verbatim.

const SPEC: &str = include_str!("../../../spec/04_state_and_memory.md");

/// The JSON code block that follows `<!-- example:NAME -->` in the spec.
fn spec_example(name: &str) -> &'static str {
    let marker = format!("<!-- example:{name} -->\n```json\n");
    let start = SPEC
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker:?} in the spec"))
        + marker.len();
    let len = SPEC[start..].find("```").expect("unterminated code block");
    &SPEC[start..start + len]
}

#[test]
fn v1_example_is_the_fixture() {
    assert_eq!(spec_example("v1"), include_str!("fixtures/v1_example.json"));
}

#[test]
fn v0_example_is_the_fixture() {
    assert_eq!(
        spec_example("v0"),
        include_str!("fixtures/v0_prerelease.json")
    );
}
