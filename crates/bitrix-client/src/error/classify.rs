//! How Bitrix24's error codes, descriptions and HTTP statuses map onto [`Error`](super::Error)
//! variants.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    RateLimited,
    OperationTimeLimit,
    Auth,
    AccessDenied,
    MethodNotFound,
    NotFound,
    BadArgument,
    Server,
    Other,
}

/// Classifies by code first, then (for the legacy empty code, numeric tasks codes and the
/// generic `ERROR_CORE`) by the description, and last by the HTTP status.
pub(super) fn classify(status: Option<u16>, code: &str, description: &str) -> Class {
    let upper = code.trim().to_ascii_uppercase();
    match upper.as_str() {
        "QUERY_LIMIT_EXCEEDED" => return Class::RateLimited,
        "OPERATION_TIME_LIMIT" => return Class::OperationTimeLimit,
        "NO_AUTH_FOUND"
        | "EXPIRED_TOKEN"
        | "INVALID_TOKEN"
        | "AUTHORIZATION_ERROR"
        | "METHOD_CONFIRM_WAITING"
        | "PAYMENT_REQUIRED"
        | "INVALID_GRANT"
        | "INVALID_CLIENT" => {
            return Class::Auth;
        }
        "INVALID_CREDENTIALS" => {
            return if status == Some(403) {
                Class::AccessDenied
            } else {
                Class::Auth
            };
        }
        "INSUFFICIENT_SCOPE"
        | "INVALID_SCOPE"
        | "ACCESS_DENIED"
        | "USER_ACCESS_ERROR"
        | "WRONG_AUTH_TYPE"
        | "ALLOWED_ONLY_INTRANET_USER"
        | "ACCESS_ERROR" => {
            return Class::AccessDenied;
        }
        "ERROR_METHOD_NOT_FOUND" => return Class::MethodNotFound,
        "NOT_FOUND" | "ERROR_NOT_FOUND" | "OWNER_NOT_FOUND" | "USER_NOT_FOUND"
        | "BOT_NOT_FOUND" => return Class::NotFound,
        "INTERNAL_SERVER_ERROR" | "ERROR_UNEXPECTED_ANSWER" => return Class::Server,
        "OVERLOAD_LIMIT" | "PORTAL_DELETED" => return Class::Other,
        "ERROR_ARGUMENT"
        | "INVALID_ARG_VALUE"
        | "INVALID_REQUEST"
        | "CRM_FIELD_ERROR_VALUE_NOT_VALID"
        | "WRONG_DATETIME_FORMAT"
        | "ERROR_BATCH_LENGTH_EXCEEDED"
        | "ERROR_BATCH_METHOD_NOT_ALLOWED" => {
            return Class::BadArgument;
        }
        _ => {}
    }
    let vague_code =
        upper.is_empty() || upper == "ERROR_CORE" || upper.bytes().all(|b| b.is_ascii_digit());
    if vague_code {
        let text = description.to_lowercase();
        if text.contains("not found") {
            return Class::NotFound;
        }
        if [
            "access denied",
            "no access",
            "not allowed",
            "insufficient permissions",
        ]
        .iter()
        .any(|needle| text.contains(needle))
        {
            return Class::AccessDenied;
        }
    }
    match status {
        Some(401) => Class::Auth,
        Some(403) => Class::AccessDenied,
        Some(404) => Class::MethodNotFound,
        Some(400 | 422) => Class::BadArgument,
        Some(s) if s >= 500 => Class::Server,
        // A failed command inside a batch: Bitrix answers method errors with 400.
        None if vague_code || upper.ends_with("_ERROR") || upper.ends_with("_EMPTY") => {
            Class::BadArgument
        }
        _ => Class::Other,
    }
}

#[cfg(test)]
mod tests {
    use crate::error::Error;

    #[test]
    fn classifies_like_the_fact_sheet() {
        type Check = fn(&Error) -> bool;
        let cases: &[(u16, &str, &str, Check)] = &[
            (
                503,
                "QUERY_LIMIT_EXCEEDED",
                "Too many requests",
                Error::is_rate_limited,
            ),
            (
                429,
                "OPERATION_TIME_LIMIT",
                "Method is blocked",
                Error::is_operation_time_limit,
            ),
            (
                401,
                "NO_AUTH_FOUND",
                "Wrong authorization data",
                Error::is_auth,
            ),
            (
                401,
                "expired_token",
                "The access token provided has expired.",
                Error::is_auth,
            ),
            (
                401,
                "INVALID_CREDENTIALS",
                "Invalid request credentials",
                Error::is_auth,
            ),
            (
                403,
                "INVALID_CREDENTIALS",
                "Invalid request credentials",
                Error::is_access_denied,
            ),
            (
                403,
                "insufficient_scope",
                "The request requires higher privileges",
                Error::is_access_denied,
            ),
            (400, "", "Access denied.", Error::is_access_denied),
            (
                404,
                "ERROR_METHOD_NOT_FOUND",
                "Method not found!",
                Error::is_method_not_found,
            ),
            (400, "", "Not found", Error::is_not_found),
            (400, "NOT_FOUND", "Element not found", Error::is_not_found),
            (
                400,
                "0",
                "Action on the task is not allowed",
                Error::is_access_denied,
            ),
            (
                400,
                "",
                "ID is not defined or invalid.",
                Error::is_bad_argument,
            ),
            (
                400,
                "ERROR_CORE",
                "Task title is not specified<br>",
                Error::is_bad_argument,
            ),
            (
                400,
                "INVALID_ARG_VALUE",
                "Invalid filter",
                Error::is_bad_argument,
            ),
            (
                500,
                "INTERNAL_SERVER_ERROR",
                "Internal server error",
                Error::is_server,
            ),
            (502, "", "Bad gateway", Error::is_server),
        ];
        for (status, code, description, check) in cases {
            let err = Error::api(*status, *code, *description);
            assert!(check(&err), "{status} {code} {description}: {err:?}");
            assert_eq!(err.code(), Some(*code));
            assert_eq!(err.http_status(), Some(*status));
        }
        assert!(Error::batch_command("", "Not found").is_not_found());
        assert!(Error::batch_command("MESSAGE_EMPTY", "Message is empty").is_bad_argument());
    }
}
