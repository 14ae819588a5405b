//! Errors the portal answers with: the cloud's codes, texts and HTTP statuses.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One REST error as the cloud sends it: an HTTP status, a code and a description.
///
/// The body is `{"error": CODE, "error_description": TEXT}`; legacy CRM methods use an
/// empty code (`""`) and put the meaning into the description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// HTTP status of the answer (inside a batch the batch itself still answers 200).
    pub status: u16,
    /// The `error` field.
    pub code: Cow<'static, str>,
    /// The `error_description` field.
    pub description: Cow<'static, str>,
}

/// The system errors any method can return, with the cloud's statuses and texts.
const SYSTEM_ERRORS: &[(&str, u16, &str)] = &[
    ("QUERY_LIMIT_EXCEEDED", 503, "Too many requests"),
    (
        "OPERATION_TIME_LIMIT",
        429,
        "Method is blocked due to operation time limit.",
    ),
    ("OVERLOAD_LIMIT", 503, "REST API is blocked due to overload"),
    ("INTERNAL_SERVER_ERROR", 500, "Internal server error"),
    (
        "ERROR_UNEXPECTED_ANSWER",
        500,
        "Server returned an unexpected response",
    ),
    ("NO_AUTH_FOUND", 401, "Wrong authorization data"),
    (
        "expired_token",
        401,
        "The access token provided has expired.",
    ),
    ("invalid_token", 401, "Unable to get application by token"),
    ("INVALID_CREDENTIALS", 401, "Invalid request credentials"),
    ("authorization_error", 401, "Unable to authorize user"),
    ("PAYMENT_REQUIRED", 401, "Payment required"),
    (
        "insufficient_scope",
        403,
        "The request requires higher privileges than provided by the webhook token",
    ),
    ("ACCESS_DENIED", 403, "Access denied!"),
    (
        "user_access_error",
        403,
        "The user does not have access to the application.",
    ),
    (
        "WRONG_AUTH_TYPE",
        403,
        "Current authorization type is denied for this method",
    ),
    (
        "allowed_only_intranet_user",
        403,
        "Action is allowed only for intranet users",
    ),
    ("ERROR_METHOD_NOT_FOUND", 404, "Method not found!"),
    ("INVALID_REQUEST", 400, "Https required"),
    (
        "ERROR_BATCH_LENGTH_EXCEEDED",
        400,
        "Max batch length exceeded",
    ),
    (
        "ERROR_BATCH_METHOD_NOT_ALLOWED",
        405,
        "Method is not allowed for batch usage",
    ),
    ("PORTAL_DELETED", 410, "Portal was deleted"),
];

impl ApiError {
    /// An error with an explicit status, code and description.
    pub fn new(
        status: u16,
        code: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            description: description.into(),
        }
    }

    /// A system error by its code, with the cloud's status and text; unknown codes get 400.
    pub fn from_code(code: &str) -> Self {
        match SYSTEM_ERRORS.iter().find(|(c, _, _)| *c == code) {
            Some((c, status, text)) => Self::new(*status, *c, *text),
            None => Self::new(400, code.to_owned(), code.to_owned()),
        }
    }

    /// The JSON body of this error.
    pub fn body(&self) -> Value {
        json!({"error": self.code, "error_description": self.description})
    }

    /// Whether this is the answer to a request over the rate limit.
    pub fn is_rate_limited(&self) -> bool {
        self.code == "QUERY_LIMIT_EXCEEDED"
    }

    /// Whether this is the answer to a method over its operating-time budget.
    pub fn is_operation_limited(&self) -> bool {
        self.code == "OPERATION_TIME_LIMIT"
    }

    pub(crate) fn method_not_found() -> Self {
        Self::from_code("ERROR_METHOD_NOT_FOUND")
    }

    pub(crate) fn no_auth() -> Self {
        Self::from_code("NO_AUTH_FOUND")
    }

    pub(crate) fn invalid_credentials() -> Self {
        Self::from_code("INVALID_CREDENTIALS")
    }

    pub(crate) fn query_limit() -> Self {
        Self::from_code("QUERY_LIMIT_EXCEEDED")
    }

    pub(crate) fn operation_limit() -> Self {
        Self::from_code("OPERATION_TIME_LIMIT")
    }

    pub(crate) fn batch_length_exceeded() -> Self {
        Self::from_code("ERROR_BATCH_LENGTH_EXCEEDED")
    }

    pub(crate) fn batch_method_not_allowed() -> Self {
        Self::from_code("ERROR_BATCH_METHOD_NOT_ALLOWED")
    }

    pub(crate) fn internal(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(500, "INTERNAL_SERVER_ERROR", detail)
    }

    /// Legacy CRM: `{"error": "", "error_description": text}` with HTTP 400.
    pub(crate) fn legacy(text: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, "", text)
    }

    /// Legacy CRM: the entity does not exist.
    pub(crate) fn legacy_not_found() -> Self {
        Self::legacy("Not found")
    }

    /// Legacy CRM: the `id` parameter is missing or not a positive number.
    pub(crate) fn legacy_bad_id() -> Self {
        Self::legacy("ID is not defined or invalid.")
    }

    /// Legacy CRM: `fields` is missing or not an object.
    pub(crate) fn legacy_fields_not_array() -> Self {
        Self::legacy("Parameter 'fields' must be array.")
    }

    /// crm.item.*: the element does not exist.
    pub(crate) fn item_not_found() -> Self {
        Self::new(400, "NOT_FOUND", "Element not found")
    }

    /// A required parameter of a D7 controller method is missing (code `100`).
    pub(crate) fn missing_param(name: &str) -> Self {
        Self::new(
            400,
            "100",
            format!("Could not find value for parameter {{{name}}}"),
        )
    }

    /// A bad argument of a D7 controller method.
    pub(crate) fn invalid_arg(text: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, "INVALID_ARG_VALUE", text)
    }

    /// A generic business error (`ERROR_CORE`).
    pub(crate) fn core(text: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, "ERROR_CORE", text)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.code.is_empty() {
            write!(f, "HTTP {}: {}", self.status, self.description)
        } else {
            write!(
                f,
                "HTTP {} {}: {}",
                self.status, self.code, self.description
            )
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_codes_carry_cloud_statuses() {
        assert_eq!(ApiError::query_limit().status, 503);
        assert_eq!(ApiError::operation_limit().status, 429);
        assert_eq!(ApiError::no_auth().status, 401);
        assert_eq!(ApiError::method_not_found().status, 404);
        assert_eq!(ApiError::from_code("SOMETHING_ELSE").status, 400);
    }

    #[test]
    fn legacy_errors_have_an_empty_code() {
        let body = ApiError::legacy_not_found().body();
        assert_eq!(body, json!({"error": "", "error_description": "Not found"}));
    }
}
