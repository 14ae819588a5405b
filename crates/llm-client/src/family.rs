//! Model families and the optional request parameters each one accepts.
//!
//! Reasoning models (OpenAI's o1/o3/o4 and gpt-5 lines) reject `temperature`, want
//! `max_completion_tokens` instead of `max_tokens`, and (o3, o4-mini, gpt-5) reject `stop`.
//! Other servers have their own gaps, so on top of the family defaults the client learns
//! from 400 answers which parameters a server refuses ([`ParamRules::reject`]).

use serde::{Deserialize, Serialize};

/// Which request parameters a model accepts, by kind of model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelFamily {
    /// A classic chat model: `temperature`, `max_tokens` and `stop` are sent when configured.
    Standard,
    /// A reasoning model: no `temperature` or `stop`; `max_completion_tokens` bounds output.
    Reasoning,
}

impl ModelFamily {
    /// Guesses the family from a model name, ignoring a `provider/` prefix and case.
    ///
    /// `o1`, `o3`, `o4` (alone or followed by `-...`) and `gpt-5...` are reasoning models,
    /// except the `...-chat...` variants; everything else is standard.
    pub fn detect(model: &str) -> Self {
        let name = model
            .rsplit('/')
            .next()
            .unwrap_or(model)
            .to_ascii_lowercase();
        let o_series = ["o1", "o3", "o4"].iter().any(|prefix| {
            name.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
        });
        let gpt5 = name.starts_with("gpt-5") && !name.contains("-chat");
        if o_series || gpt5 {
            Self::Reasoning
        } else {
            Self::Standard
        }
    }
}

/// An optional request parameter the client may leave out for a given model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Param {
    Temperature,
    MaxTokens,
    MaxCompletionTokens,
    Stop,
    ReasoningEffort,
    ResponseFormat,
}

impl Param {
    /// All parameters, in the order they are looked for in error messages.
    pub(crate) const ALL: [Param; 6] = [
        Param::MaxCompletionTokens,
        Param::MaxTokens,
        Param::Temperature,
        Param::ReasoningEffort,
        Param::ResponseFormat,
        Param::Stop,
    ];

    /// The JSON field name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Param::Temperature => "temperature",
            Param::MaxTokens => "max_tokens",
            Param::MaxCompletionTokens => "max_completion_tokens",
            Param::Stop => "stop",
            Param::ReasoningEffort => "reasoning_effort",
            Param::ResponseFormat => "response_format",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Param> {
        Param::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Which optional parameters to send: the family's defaults minus what a server refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParamRules {
    family: ModelFamily,
    rejected: Vec<Param>,
}

impl ParamRules {
    pub(crate) fn new(family: ModelFamily) -> Self {
        Self {
            family,
            rejected: Vec::new(),
        }
    }

    /// Records that the server refused `param`; returns false if it was already known.
    pub(crate) fn reject(&mut self, param: Param) -> bool {
        if self.rejected.contains(&param) {
            return false;
        }
        self.rejected.push(param);
        true
    }

    /// Names of the parameters refused so far.
    pub(crate) fn rejected_names(&self) -> Vec<&'static str> {
        self.rejected.iter().map(|p| p.name()).collect()
    }

    /// Whether `param` may be sent (when configured).
    pub(crate) fn allows(&self, param: Param) -> bool {
        if self.rejected.contains(&param) {
            return false;
        }
        let reasoning_refuses = matches!(param, Param::Temperature | Param::Stop);
        !(self.family == ModelFamily::Reasoning && reasoning_refuses)
    }

    /// The field that carries the output token bound, if any is still accepted.
    ///
    /// Each family has a preferred field; when the server refuses it, the other one is
    /// used, and when both are refused the bound is not sent.
    pub(crate) fn token_limit_field(&self) -> Option<Param> {
        let preferred = match self.family {
            ModelFamily::Standard => [Param::MaxTokens, Param::MaxCompletionTokens],
            ModelFamily::Reasoning => [Param::MaxCompletionTokens, Param::MaxTokens],
        };
        preferred.into_iter().find(|p| !self.rejected.contains(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_reasoning_models() {
        for name in [
            "o1",
            "o1-mini",
            "o3-mini-2025-01-31",
            "o4-mini",
            "O3",
            "gpt-5",
            "gpt-5-mini",
            "gpt-5.4-nano",
            "openai/o3-mini",
        ] {
            assert_eq!(ModelFamily::detect(name), ModelFamily::Reasoning, "{name}");
        }
        for name in [
            "gpt-4o",
            "gpt-4o-mini",
            "gpt-4.1",
            "gpt-5-chat-latest",
            "gpt-5.3-chat-latest",
            "llama3.1:8b",
            "qwen2.5-7b-instruct",
            "o1x",
            "phi-o3",
        ] {
            assert_eq!(ModelFamily::detect(name), ModelFamily::Standard, "{name}");
        }
    }

    #[test]
    fn families_choose_their_fields() {
        let standard = ParamRules::new(ModelFamily::Standard);
        assert!(standard.allows(Param::Temperature));
        assert!(standard.allows(Param::Stop));
        assert_eq!(standard.token_limit_field(), Some(Param::MaxTokens));

        let reasoning = ParamRules::new(ModelFamily::Reasoning);
        assert!(!reasoning.allows(Param::Temperature));
        assert!(!reasoning.allows(Param::Stop));
        assert!(reasoning.allows(Param::ReasoningEffort));
        assert_eq!(
            reasoning.token_limit_field(),
            Some(Param::MaxCompletionTokens)
        );
    }

    #[test]
    fn refused_token_field_switches_then_disappears() {
        let mut rules = ParamRules::new(ModelFamily::Standard);
        assert!(rules.reject(Param::MaxTokens));
        assert!(!rules.reject(Param::MaxTokens));
        assert_eq!(rules.token_limit_field(), Some(Param::MaxCompletionTokens));
        rules.reject(Param::MaxCompletionTokens);
        assert_eq!(rules.token_limit_field(), None);
        assert_eq!(
            rules.rejected_names(),
            vec!["max_tokens", "max_completion_tokens"]
        );
    }

    #[test]
    fn names_round_trip() {
        for p in Param::ALL {
            assert_eq!(Param::from_name(p.name()), Some(p));
        }
        assert_eq!(Param::from_name("messages"), None);
    }
}
