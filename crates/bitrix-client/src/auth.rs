//! Credentials: the incoming webhook (and, later, OAuth) and the secret it carries.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use url::{Host, Url};

/// What a redacted secret prints as.
pub const REDACTED: &str = "<redacted>";

/// A secret string (a webhook code, an access token) that never prints itself.
///
/// `Debug` shows [`REDACTED`]; there is no `Display`. Read the value with [`SecretToken::expose`],
/// a name that makes every use easy to find in review.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; never log or print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretToken({REDACTED})")
    }
}

/// Why a webhook URL was rejected. No variant carries the URL or its token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The text is not an absolute URL.
    #[error(
        "the webhook is not a valid URL; expected https://PORTAL/rest/USER_ID/TOKEN/ ({reason})"
    )]
    NotAUrl {
        /// The URL parser's reason (it never quotes the input).
        reason: String,
    },
    /// The scheme is neither `https` nor `http`.
    #[error("the webhook URL must use https (or http for a local portal), not `{scheme}`")]
    UnsupportedScheme {
        /// The scheme that was given.
        scheme: String,
    },
    /// The URL has a user name or password in it.
    #[error("the webhook URL must not contain a user name or password")]
    HasUserInfo,
    /// The URL has a query string or a fragment.
    #[error("the webhook URL must not have a query string or fragment")]
    HasQuery,
    /// The path does not end with `/rest/USER_ID/TOKEN`.
    #[error(
        "the webhook URL path must end with /rest/USER_ID/TOKEN/ (found {segments} path segment(s) after the host; {hint})",
        hint = bad_path_hint(*segments)
    )]
    BadPath {
        /// How many non-empty path segments the URL has.
        segments: usize,
    },
    /// The user id segment is not a positive integer.
    #[error("the user id in the webhook URL must be a positive integer")]
    BadUserId,
    /// The token segment is empty or has characters a webhook code never has.
    #[error(
        "the webhook token must be letters and digits (it is shown in the portal's webhook settings)"
    )]
    BadToken,
}

/// What most likely went wrong with a webhook path of `segments` segments.
fn bad_path_hint(segments: usize) -> &'static str {
    if segments < 3 {
        "is the user id or the token missing?"
    } else {
        "did you paste a method name too?"
    }
}

/// An incoming webhook of a Bitrix24 portal: `https://PORTAL/rest/USER_ID/TOKEN/`.
///
/// The token is kept as a [`SecretToken`]; `Debug` and `Display` show the portal and the user
/// id only. Construct it with [`Webhook::parse`] (or `str::parse`).
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// `scheme://host[:port]/[prefix/]rest/`, always ending with `/`.
    rest_root: String,
    host: String,
    loopback: bool,
    https: bool,
    user_id: u64,
    token: SecretToken,
}

impl Webhook {
    /// Parses and validates a webhook URL; the trailing slash is optional.
    ///
    /// Accepts `https` and `http` (see [`Webhook::is_plain_http_off_loopback`]); an optional path
    /// prefix before `/rest/` is kept for on-premise portals installed in a subfolder.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let url = Url::parse(text.trim()).map_err(|e| WebhookError::NotAUrl {
            reason: e.to_string(),
        })?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(WebhookError::UnsupportedScheme {
                    scheme: other.to_owned(),
                });
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookError::HasUserInfo);
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(WebhookError::HasQuery);
        }
        let Some(host) = url.host() else {
            return Err(WebhookError::NotAUrl {
                reason: "no host".to_owned(),
            });
        };
        let loopback = is_loopback(&host);
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|seg| !seg.is_empty()).collect())
            .unwrap_or_default();
        let n = segments.len();
        if n < 3 || segments[n - 3] != "rest" {
            return Err(WebhookError::BadPath { segments: n });
        }
        let user_id = segments[n - 2]
            .parse::<u64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or(WebhookError::BadUserId)?;
        let token = segments[n - 1];
        if !is_token_shaped(token) {
            return Err(WebhookError::BadToken);
        }
        let host_port = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let prefix: String = segments[..n - 3].iter().map(|s| format!("{s}/")).collect();
        Ok(Self {
            rest_root: format!("{}://{host_port}/{prefix}rest/", url.scheme()),
            host: host_port,
            loopback,
            https,
            user_id,
            token: SecretToken::new(token),
        })
    }

    /// The portal's host (with the port when one was given), e.g. `example.bitrix24.ru`.
    pub fn portal(&self) -> &str {
        &self.host
    }

    /// The id of the user who created the webhook; calls run with that user's rights.
    pub fn user_id(&self) -> u64 {
        self.user_id
    }

    /// The webhook's secret code.
    pub fn token(&self) -> &SecretToken {
        &self.token
    }

    /// True when the URL uses `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// True when the host is loopback (`127.0.0.0/8`, `::1`, `localhost`).
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// True when the token would cross a network in clear text: `http` to a non-loopback host.
    pub fn is_plain_http_off_loopback(&self) -> bool {
        !self.https && !self.loopback
    }

    /// The full URL of one REST method; it contains the token, so it never leaves the crate.
    pub(crate) fn method_url(&self, method: &str) -> String {
        format!(
            "{}{}/{}/{method}",
            self.rest_root,
            self.user_id,
            self.token.expose()
        )
    }

    /// Replaces every occurrence of the token in `text` with [`REDACTED`].
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let token = self.token.expose();
        if !token.is_empty() && text.contains(token) {
            Cow::Owned(text.replace(token, REDACTED))
        } else {
            Cow::Borrowed(text)
        }
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

fn is_token_shaped(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 128
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl FromStr for Webhook {
    type Err = WebhookError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Webhook {
    type Error = WebhookError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl fmt::Display for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}/{REDACTED}/", self.rest_root, self.user_id)
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("rest_root", &self.rest_root)
            .field("user_id", &self.user_id)
            .field("token", &self.token)
            .finish()
    }
}

/// How the client authenticates; today an incoming webhook, later OAuth as another variant.
///
/// Every variant keeps its secrets out of `Debug`. New variants (an OAuth access token with
/// its refresh) will add their own URL building and redaction here, so the rest of the client
/// does not change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// An incoming webhook: the token sits in the URL path.
    Webhook(Webhook),
}

impl Auth {
    /// The portal host, safe to log.
    pub fn portal(&self) -> &str {
        match self {
            Auth::Webhook(w) => w.portal(),
        }
    }

    /// The user on whose behalf calls run, when the credentials say so.
    pub fn user_id(&self) -> Option<u64> {
        match self {
            Auth::Webhook(w) => Some(w.user_id()),
        }
    }

    /// True when the secret would cross a network in clear text.
    pub fn is_plain_http_off_loopback(&self) -> bool {
        match self {
            Auth::Webhook(w) => w.is_plain_http_off_loopback(),
        }
    }

    /// Replaces every secret of these credentials in `text` with [`REDACTED`].
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self {
            Auth::Webhook(w) => w.redact(text),
        }
    }

    pub(crate) fn method_url(&self, method: &str) -> String {
        match self {
            Auth::Webhook(w) => w.method_url(method),
        }
    }
}

impl From<Webhook> for Auth {
    fn from(webhook: Webhook) -> Self {
        Auth::Webhook(webhook)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "q1w2e3r4t5y6u7i8";

    #[test]
    fn parses_with_and_without_trailing_slash() {
        for text in [
            format!("https://example.bitrix24.ru/rest/7/{TOKEN}/"),
            format!("https://example.bitrix24.ru/rest/7/{TOKEN}"),
            format!("  https://example.bitrix24.ru/rest/7/{TOKEN}/ \n"),
        ] {
            let w = Webhook::parse(&text).unwrap();
            assert_eq!(w.portal(), "example.bitrix24.ru");
            assert_eq!(w.user_id(), 7);
            assert_eq!(w.token().expose(), TOKEN);
            assert!(w.is_https());
            assert_eq!(
                w.method_url("crm.deal.get"),
                format!("https://example.bitrix24.ru/rest/7/{TOKEN}/crm.deal.get")
            );
        }
    }

    #[test]
    fn keeps_port_and_prefix() {
        let w = Webhook::parse(&format!("http://127.0.0.1:8080/bx/rest/1/{TOKEN}/")).unwrap();
        assert_eq!(w.portal(), "127.0.0.1:8080");
        assert!(w.is_loopback());
        assert!(!w.is_plain_http_off_loopback());
        assert!(
            w.method_url("profile")
                .starts_with("http://127.0.0.1:8080/bx/rest/1/")
        );
        let intranet =
            Webhook::parse(&format!("http://crm.intranet.example.com/rest/1/{TOKEN}")).unwrap();
        assert!(intranet.is_plain_http_off_loopback());
    }

    #[test]
    fn rejects_malformed_urls_without_echoing_them() {
        let cases = [
            ("not a url", "not a valid URL"),
            ("ftp://example.bitrix24.ru/rest/1/abc/", "https"),
            ("https://u:p@example.bitrix24.ru/rest/1/abc/", "user name"),
            ("https://example.bitrix24.ru/rest/1/abc/?x=1", "query"),
            (
                "https://example.bitrix24.ru/rest/1/",
                "the user id or the token missing",
            ),
            (
                "https://example.bitrix24.ru/rest/1/abc/crm.deal.list",
                "method name",
            ),
            (
                "https://example.bitrix24.ru/api/1/abc/",
                "/rest/USER_ID/TOKEN/",
            ),
            (
                "https://example.bitrix24.ru/rest/0/abc/",
                "positive integer",
            ),
            (
                "https://example.bitrix24.ru/rest/x/abc/",
                "positive integer",
            ),
            (
                "https://example.bitrix24.ru/rest/1/a%20b/",
                "letters and digits",
            ),
        ];
        for (text, needle) in cases {
            let err = Webhook::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
            assert!(
                !err.contains("abc"),
                "{text}: the error echoes the token: {err}"
            );
        }
    }

    #[test]
    fn never_prints_the_token() {
        let w = Webhook::parse(&format!("https://example.bitrix24.ru/rest/7/{TOKEN}/")).unwrap();
        let auth = Auth::from(w.clone());
        for shown in [
            format!("{w}"),
            format!("{w:?}"),
            format!("{w:#?}"),
            format!("{auth:?}"),
            format!("{:?}", w.token()),
        ] {
            assert!(!shown.contains(TOKEN), "{shown}");
        }
        assert_eq!(
            w.to_string(),
            "https://example.bitrix24.ru/rest/7/<redacted>/"
        );
        assert_eq!(
            w.redact(&format!("GET /rest/7/{TOKEN}/x failed")),
            "GET /rest/7/<redacted>/x failed"
        );
    }
}
