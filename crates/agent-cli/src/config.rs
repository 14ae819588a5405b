//! Configuration: flags, then the environment, then `.env` in the working directory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The model used when `OPENAI_MODEL` is not set.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
/// The API base used when `OPENAI_API_BASE` is not set: the LLM client's own default.
pub use llm_client::DEFAULT_API_BASE;

/// Every variable the CLI reads; `--help` and README describe each (a test checks).
pub const VARIABLES: &[&str] = &[
    "BITRIX_WEBHOOK_URL",
    "BITRIX_CA_CERT",
    "OPENAI_API_KEY",
    "OPENAI_API_BASE",
    "OPENAI_MODEL",
    "OPENAI_TIMEOUT_SECS",
    "B24_SANDBOX_DATA",
    "B24_LOG_RETENTION_DAYS",
    "B24_LOCK_TIMEOUT_SECS",
];

/// A secret value (the API key, the webhook URL): `Debug` shows a redaction and there is no
/// `Display`; the same wrapper the LLM client takes.
pub use llm_client::Secret;

/// A configuration value that is present but wrong.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The variable (or flag) at fault.
    pub variable: String,
    /// What is wrong with it; never its value when it is a secret.
    pub problem: String,
}

/// Where settings come from, in order of precedence after the flags.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// The process environment (only the variables we know).
    pub env: BTreeMap<String, String>,
    /// The `.env` file's variables.
    pub dotenv: BTreeMap<String, String>,
}

impl Sources {
    /// Reads our variables from the process environment and `dotenv`.
    pub fn from_process(dotenv: BTreeMap<String, String>) -> Self {
        let env = VARIABLES
            .iter()
            .filter_map(|name| std::env::var(name).ok().map(|v| ((*name).to_owned(), v)))
            .collect();
        Self { env, dotenv }
    }

    /// The value of `name`: the environment first, then `.env`; empty counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        [&self.env, &self.dotenv]
            .into_iter()
            .find_map(|map| map.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()))
    }

    fn parse_number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|_| ConfigError {
                variable: name.to_owned(),
                problem: format!("expected a whole number, got {raw:?}"),
            }),
        }
    }
}

/// The model's connection settings.
#[derive(Debug, Clone)]
pub struct ModelSettings {
    /// The API key, if any.
    pub api_key: Option<Secret>,
    /// The API base URL.
    pub api_base: String,
    /// The model name.
    pub model: String,
    /// Timeout of one request.
    pub timeout: Duration,
}

/// Everything resolved from the sources (flags are applied by the caller on top).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The portal's webhook URL; `None` means the bundled sandbox.
    pub webhook_url: Option<Secret>,
    /// Extra root certificates for the portal.
    pub ca_cert: Option<PathBuf>,
    /// The model.
    pub model: ModelSettings,
    /// The sandbox's data file.
    pub sandbox_data: PathBuf,
    /// Days to keep audit logs; 0 keeps all.
    pub log_retention_days: u32,
    /// How long a turn waits for the user's lock.
    pub lock_timeout: Duration,
}

impl Settings {
    /// Resolves the settings from `sources`.
    pub fn resolve(sources: &Sources) -> Result<Self, ConfigError> {
        let webhook_url = sources.get("BITRIX_WEBHOOK_URL").map(Secret::new);
        Ok(Self {
            webhook_url,
            ca_cert: sources.get("BITRIX_CA_CERT").map(PathBuf::from),
            model: ModelSettings {
                api_key: sources.get("OPENAI_API_KEY").map(Secret::new),
                api_base: sources
                    .get("OPENAI_API_BASE")
                    .unwrap_or(DEFAULT_API_BASE)
                    .to_owned(),
                model: sources
                    .get("OPENAI_MODEL")
                    .unwrap_or(DEFAULT_MODEL)
                    .to_owned(),
                timeout: Duration::from_secs(sources.parse_number("OPENAI_TIMEOUT_SECS", 120)?),
            },
            sandbox_data: sources
                .get("B24_SANDBOX_DATA")
                .unwrap_or("./data/sandbox.json")
                .into(),
            log_retention_days: sources.parse_number("B24_LOG_RETENTION_DAYS", 30)?,
            lock_timeout: Duration::from_secs(sources.parse_number("B24_LOCK_TIMEOUT_SECS", 10)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(env: &[(&str, &str)], dotenv: &[(&str, &str)]) -> Sources {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        Sources {
            env: map(env),
            dotenv: map(dotenv),
        }
    }

    #[test]
    fn environment_beats_dotenv_and_empty_is_unset() {
        let s = sources(
            &[("OPENAI_MODEL", "from-env"), ("OPENAI_API_BASE", "  ")],
            &[
                ("OPENAI_MODEL", "from-file"),
                ("OPENAI_API_BASE", "http://127.0.0.1:1/v1"),
            ],
        );
        let settings = Settings::resolve(&s).unwrap();
        assert_eq!(settings.model.model, "from-env");
        assert_eq!(settings.model.api_base, "http://127.0.0.1:1/v1");
        assert!(settings.webhook_url.is_none());
    }

    #[test]
    fn secrets_never_print() {
        let s = sources(
            &[
                ("OPENAI_API_KEY", "sk-very-secret"),
                ("BITRIX_WEBHOOK_URL", "http://127.0.0.1/rest/1/tok3n/"),
            ],
            &[],
        );
        let text = format!("{:?}", Settings::resolve(&s).unwrap());
        assert!(
            !text.contains("sk-very-secret") && !text.contains("tok3n"),
            "{text}"
        );
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let err = Settings::resolve(&sources(&[("OPENAI_TIMEOUT_SECS", "soon")], &[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "OPENAI_TIMEOUT_SECS: expected a whole number, got \"soon\""
        );
    }
}
