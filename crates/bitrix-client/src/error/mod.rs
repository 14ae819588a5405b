//! The client's error type and how Bitrix24's error codes map onto it.

mod classify;

use std::fmt;
use std::time::{Duration, SystemTime};

use classify::{Class, classify};

/// How long to pause after a rate-limit rejection when nothing better is known.
pub(crate) const DEFAULT_RATE_LIMIT_PAUSE: Duration = Duration::from_secs(1);

/// Longest error description kept from a response, in characters.
const MAX_DESCRIPTION_CHARS: usize = 500;

/// Bitrix24's own report of a failed call: HTTP status, `error` and `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// HTTP status of the response; `None` for a command inside a `batch` (the batch itself
    /// answers 200) or for a rejection the client made on its own.
    pub status: Option<u16>,
    /// Bitrix's `error` code as sent (`""` for legacy CRM errors, digits for tasks errors).
    pub code: String,
    /// Bitrix's `error_description`, trimmed and bounded.
    pub description: String,
}

impl ApiFailure {
    /// Builds a failure report, bounding the description.
    pub fn new(
        status: Option<u16>,
        code: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            description: bounded(description.into().trim(), MAX_DESCRIPTION_CHARS),
        }
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let description = self.description.replace("<br>", " ");
        let description = description.trim();
        match (self.code.is_empty(), description.is_empty()) {
            (false, false) => write!(f, "{}: {description}", self.code)?,
            (false, true) => write!(f, "{}", self.code)?,
            (true, false) => write!(f, "{description}")?,
            (true, true) => write!(f, "no error description")?,
        }
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        Ok(())
    }
}

/// The stage at which a transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection (TCP or TLS) could not be set up: nothing was sent.
    Connect,
    /// The request was sent (or partly sent) and no complete answer came in time.
    Timeout,
    /// The connection broke after the request was sent.
    Interrupted,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "connect",
            TransportKind::Timeout => "timeout",
            TransportKind::Interrupted => "connection interrupted",
        })
    }
}

/// Everything that can go wrong talking to Bitrix24.
///
/// Messages never contain the webhook token. Branch with the query methods
/// ([`Error::is_retryable`], [`Error::is_not_found`], ...) rather than on the text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The portal's request-rate limit was hit (503 `QUERY_LIMIT_EXCEEDED`); nothing ran.
    #[error("Bitrix24 rate limit exceeded: {failure}")]
    RateLimited {
        /// Bitrix's report.
        failure: ApiFailure,
        /// How long to pause before trying again, when known.
        retry_after: Option<Duration>,
    },
    /// The method's operating-time budget is used up (429 `OPERATION_TIME_LIMIT`); nothing ran.
    #[error("Bitrix24 blocked the method for its operating-time budget: {failure}{}", reset_note(.reset_at))]
    OperationTimeLimit {
        /// Bitrix's report (or the client's own, when it refused before sending).
        failure: ApiFailure,
        /// When the budget frees up, from the last `operating_reset_at` seen for the method.
        reset_at: Option<SystemTime>,
    },
    /// The credentials were rejected (401 family: `NO_AUTH_FOUND`, `expired_token`, ...).
    #[error("Bitrix24 rejected the credentials: {0}")]
    Auth(ApiFailure),
    /// The credentials are valid but lack the right or scope (403 family, `ACCESS_DENIED`).
    #[error("Bitrix24 denied access: {0}")]
    AccessDenied(ApiFailure),
    /// The method does not exist on this portal (404 `ERROR_METHOD_NOT_FOUND`).
    #[error("Bitrix24 method not found: {0}")]
    MethodNotFound(ApiFailure),
    /// The entity does not exist or is not visible (`NOT_FOUND`, legacy `"Not found"`, ...).
    #[error("Bitrix24 entity not found: {0}")]
    NotFound(ApiFailure),
    /// The portal rejected the parameters (400 family).
    #[error("Bitrix24 rejected the request: {0}")]
    BadArgument(ApiFailure),
    /// The portal failed (5xx other than the rate limit).
    #[error("Bitrix24 server error: {0}")]
    Server(ApiFailure),
    /// Any other error the portal reported.
    #[error("Bitrix24 error: {0}")]
    Other(ApiFailure),
    /// The network failed; see [`TransportKind`] for whether the request went out.
    #[error("network error ({kind}): {detail}")]
    Transport {
        /// At which stage it failed.
        kind: TransportKind,
        /// What failed, with URLs and secrets removed.
        detail: String,
    },
    /// A write was sent but its outcome is unknown (timeout or 5xx after sending); it was not
    /// sent again. Check the portal before repeating it.
    #[error(
        "the write `{method}` may or may not have happened (it was not repeated; check the portal before retrying): {detail}"
    )]
    WriteOutcomeUnknown {
        /// The method that was sent (`batch` for a batch).
        method: String,
        /// What went wrong after sending.
        detail: String,
    },
    /// A response (or a value in it) did not have the expected shape.
    #[error("cannot decode {context} at `{path}`: {message}; the data starts with: {excerpt}")]
    Decode {
        /// What was being decoded (usually the method name).
        context: String,
        /// The JSON path that failed, e.g. `result.items[3].id` (`.` for the root).
        path: String,
        /// The decoder's message.
        message: String,
        /// A bounded excerpt of the data, with secrets removed.
        excerpt: String,
    },
    /// The portal answered with a redirect: it was renamed. The token is not re-sent to the new
    /// host automatically; update the webhook URL.
    #[error("the portal moved to `{new_host}`; update the webhook URL")]
    PortalMoved {
        /// The host named by `Location` (the path, which holds the token, is dropped).
        new_host: String,
    },
    /// A paging cursor stopped advancing, so the scan was ended instead of looping.
    #[error("paging through `{method}` stopped advancing at {cursor}; the scan was stopped")]
    StalledCursor {
        /// The list method.
        method: String,
        /// The cursor (offset or last ID) that did not advance.
        cursor: String,
    },
    /// The request was refused before sending (bad method name, bad parameters, > 50 commands).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The client could not be built (bad certificate, TLS setup).
    #[error("invalid client configuration: {0}")]
    InvalidConfig(String),
}

fn reset_note(reset_at: &Option<SystemTime>) -> String {
    match reset_at.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()) {
        Some(at) => format!(" (budget frees up at unix time {})", at.as_secs()),
        None => String::new(),
    }
}

/// A language for [`Error::user_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// English.
    En,
    /// Russian.
    Ru,
}

impl Error {
    /// Builds the error a portal response with this status, `error` and `error_description`
    /// stands for, classified exactly as a real response is.
    pub fn api(status: u16, code: impl Into<String>, description: impl Into<String>) -> Error {
        Self::from_failure(ApiFailure::new(Some(status), code, description))
    }

    /// Builds the error for a failed command inside a `batch` (no HTTP status of its own).
    pub fn batch_command(code: impl Into<String>, description: impl Into<String>) -> Error {
        Self::from_failure(ApiFailure::new(None, code, description))
    }

    /// An error for a write that was sent but whose outcome is unknown.
    pub fn write_outcome_unknown(method: impl Into<String>, detail: impl Into<String>) -> Error {
        Error::WriteOutcomeUnknown {
            method: method.into(),
            detail: detail.into(),
        }
    }

    /// A connect failure (or connect timeout): nothing was sent.
    pub fn transport(detail: impl Into<String>) -> Error {
        Error::Transport {
            kind: TransportKind::Connect,
            detail: detail.into(),
        }
    }

    /// Classifies a failure report into its variant.
    pub fn from_failure(failure: ApiFailure) -> Error {
        match classify(failure.status, &failure.code, &failure.description) {
            Class::RateLimited => Error::RateLimited {
                failure,
                retry_after: None,
            },
            Class::OperationTimeLimit => Error::OperationTimeLimit {
                failure,
                reset_at: None,
            },
            Class::Auth => Error::Auth(failure),
            Class::AccessDenied => Error::AccessDenied(failure),
            Class::MethodNotFound => Error::MethodNotFound(failure),
            Class::NotFound => Error::NotFound(failure),
            Class::BadArgument => Error::BadArgument(failure),
            Class::Server => Error::Server(failure),
            Class::Other => Error::Other(failure),
        }
    }

    /// Bitrix's report, for errors that came from the portal.
    pub fn failure(&self) -> Option<&ApiFailure> {
        match self {
            Error::RateLimited { failure, .. } | Error::OperationTimeLimit { failure, .. } => {
                Some(failure)
            }
            Error::Auth(f)
            | Error::AccessDenied(f)
            | Error::MethodNotFound(f)
            | Error::NotFound(f)
            | Error::BadArgument(f)
            | Error::Server(f)
            | Error::Other(f) => Some(f),
            _ => None,
        }
    }

    /// Bitrix's `error` code, for errors that came from the portal.
    pub fn code(&self) -> Option<&str> {
        self.failure().map(|f| f.code.as_str())
    }

    /// Bitrix's `error_description`, for errors that came from the portal.
    pub fn description(&self) -> Option<&str> {
        self.failure().map(|f| f.description.as_str())
    }

    /// The HTTP status of the response, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.failure().and_then(|f| f.status)
    }

    /// True when trying again later can succeed: rate limits, the operating budget, server
    /// errors and network errors. The client itself only repeats writes when the request
    /// certainly did not run.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::OperationTimeLimit { .. }
                | Error::Server(_)
                | Error::Transport { .. }
        )
    }

    /// How long to wait before trying again, when the error says.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => {
                Some(retry_after.unwrap_or(DEFAULT_RATE_LIMIT_PAUSE))
            }
            Error::OperationTimeLimit { reset_at, .. } => reset_at.map(|at| {
                at.duration_since(SystemTime::now())
                    .unwrap_or_default()
                    .max(Duration::from_secs(1))
            }),
            _ => None,
        }
    }

    /// True for the request-rate limit (503 `QUERY_LIMIT_EXCEEDED`).
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited { .. })
    }

    /// True for the per-method operating-time limit (429 `OPERATION_TIME_LIMIT`).
    pub fn is_operation_time_limit(&self) -> bool {
        matches!(self, Error::OperationTimeLimit { .. })
    }

    /// True when the credentials were rejected (401 family).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth(_))
    }

    /// True when access or scope is missing (403 family).
    pub fn is_access_denied(&self) -> bool {
        matches!(self, Error::AccessDenied(_))
    }

    /// True when the entity does not exist (or is not visible).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }

    /// True when the method does not exist.
    pub fn is_method_not_found(&self) -> bool {
        matches!(self, Error::MethodNotFound(_))
    }

    /// True when the portal rejected the parameters, or the client refused them before sending.
    pub fn is_bad_argument(&self) -> bool {
        matches!(self, Error::BadArgument(_) | Error::InvalidRequest(_))
    }

    /// True for 5xx answers other than the rate limit.
    pub fn is_server(&self) -> bool {
        matches!(self, Error::Server(_))
    }

    /// True for network failures (connect, timeout, broken connection).
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport { .. })
    }

    /// True when a write was sent and may or may not have happened.
    pub fn is_write_outcome_unknown(&self) -> bool {
        matches!(self, Error::WriteOutcomeUnknown { .. })
    }

    /// True when a response could not be decoded.
    pub fn is_decode(&self) -> bool {
        matches!(self, Error::Decode { .. })
    }

    /// A fixed, short message for an end user, in English or Russian.
    pub fn user_message(&self, language: Language) -> &'static str {
        let (en, ru) = match self {
            Error::RateLimited { .. } => (
                "Bitrix24 is limiting the request rate; try again in a moment.",
                "Битрикс24 ограничил частоту запросов; повторите чуть позже.",
            ),
            Error::OperationTimeLimit { .. } => (
                "Bitrix24 has paused this method for a few minutes (operating-time limit).",
                "Битрикс24 временно заблокировал этот метод (лимит времени выполнения).",
            ),
            Error::Auth(_) => (
                "Bitrix24 rejected the webhook; check its URL and that it is still active.",
                "Битрикс24 не принял вебхук; проверьте его адрес и что он активен.",
            ),
            Error::AccessDenied(_) => (
                "The webhook's user or scopes do not allow this action.",
                "Права пользователя вебхука или его разрешения не позволяют это действие.",
            ),
            Error::MethodNotFound(_) => (
                "This Bitrix24 portal does not have that method.",
                "На этом портале Битрикс24 нет такого метода.",
            ),
            Error::NotFound(_) => (
                "The record was not found in Bitrix24.",
                "Запись не найдена в Битрикс24.",
            ),
            Error::BadArgument(_) | Error::InvalidRequest(_) => (
                "Bitrix24 rejected the request's parameters.",
                "Битрикс24 отклонил параметры запроса.",
            ),
            Error::WriteOutcomeUnknown { .. } => (
                "The change may or may not have been saved in Bitrix24; check before repeating it.",
                "Изменение могло как сохраниться, так и нет; проверьте в Битрикс24, прежде чем повторять.",
            ),
            Error::Transport { .. } | Error::Server(_) => (
                "Bitrix24 could not be reached or failed; try again later.",
                "Битрикс24 недоступен или ответил ошибкой; повторите позже.",
            ),
            _ => (
                "Bitrix24 returned an unexpected answer.",
                "Битрикс24 вернул неожиданный ответ.",
            ),
        };
        match language {
            Language::En => en,
            Language::Ru => ru,
        }
    }
}

/// The first `max` characters of `text`, with `…` when cut.
pub(crate) fn bounded(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_metadata() {
        let rate = Error::api(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
        assert!(rate.is_retryable());
        assert_eq!(rate.retry_after(), Some(DEFAULT_RATE_LIMIT_PAUSE));
        assert!(!Error::api(400, "", "Not found").is_retryable());
        assert!(Error::transport("refused").is_retryable());
        assert!(!Error::write_outcome_unknown("crm.deal.add", "timeout").is_retryable());
        let blocked = Error::OperationTimeLimit {
            failure: ApiFailure::new(Some(429), "OPERATION_TIME_LIMIT", ""),
            reset_at: Some(SystemTime::now() + Duration::from_secs(30)),
        };
        let wait = blocked.retry_after().unwrap();
        assert!(wait > Duration::from_secs(20) && wait <= Duration::from_secs(30));
    }

    #[test]
    fn bounded_cuts_on_char_boundaries() {
        assert_eq!(bounded("привет", 3), "при…");
        assert_eq!(bounded("abc", 3), "abc");
    }
}
