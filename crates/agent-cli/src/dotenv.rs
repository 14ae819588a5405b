//! A small `.env` reader whose errors name the line, never its value.

use std::collections::BTreeMap;
use std::path::Path;

/// A `.env` file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DotenvError {
    /// The file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A line is not `KEY=VALUE`.
    #[error("{path} line {line}: {problem}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong, without the line's value (it may be a secret).
        problem: &'static str,
    },
}

/// Reads `path` if it exists; a missing file is an empty map.
pub fn read(path: &Path) -> Result<BTreeMap<String, String>, DotenvError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => {
            return Err(DotenvError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    parse(&text).map_err(|(line, problem)| DotenvError::Syntax {
        path: path.display().to_string(),
        line,
        problem,
    })
}

/// Parses `.env` text: `KEY=VALUE` lines, `export ` prefixes, `#` comments, quoted values.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, (usize, &'static str)> {
    let mut vars = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            return Err((line_no, "expected KEY=VALUE"));
        };
        let key = key.trim();
        let key_ok = !key.is_empty()
            && !key.starts_with(|c: char| c.is_ascii_digit())
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !key_ok {
            return Err((
                line_no,
                "the name must be letters, digits and _ (e.g. OPENAI_API_KEY)",
            ));
        }
        vars.insert(
            key.to_owned(),
            unquote(value.trim()).map_err(|p| (line_no, p))?,
        );
    }
    Ok(vars)
}

fn unquote(value: &str) -> Result<String, &'static str> {
    let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        // Unquoted: an inline comment starts at " #".
        let value = value.split(" #").next().unwrap_or_default();
        return Ok(value.trim_end().to_owned());
    };
    let rest = &value[1..];
    let Some(end) = rest.find(quote) else {
        return Err("the value's closing quote is missing");
    };
    let tail = rest[end + 1..].trim();
    if !(tail.is_empty() || tail.starts_with('#')) {
        return Err("unexpected text after the quoted value");
    }
    let inner = &rest[..end];
    if quote == '\'' {
        return Ok(inner.to_owned());
    }
    Ok(inner.replace("\\n", "\n").replace("\\\"", "\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_forms() {
        let vars = parse(
            "# comment\n\nA=1\nexport B = two \nC=\"quoted # not a comment\"\nD='single'\nE=x # note\nF=\n",
        )
        .unwrap();
        assert_eq!(vars["A"], "1");
        assert_eq!(vars["B"], "two");
        assert_eq!(vars["C"], "quoted # not a comment");
        assert_eq!(vars["D"], "single");
        assert_eq!(vars["E"], "x");
        assert_eq!(vars["F"], "");
    }

    #[test]
    fn errors_name_the_line_and_never_the_value() {
        let (line, problem) = parse("A=1\nsk-secret-value-without-equals\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(!problem.contains("sk-secret"));
        assert_eq!(parse("A=1\n\n9X=1").unwrap_err().0, 3);
        assert_eq!(
            parse("K=\"open").unwrap_err(),
            (1, "the value's closing quote is missing")
        );
        assert_eq!(parse("K='a' b").unwrap_err().0, 1);
    }

    #[test]
    fn missing_file_is_empty() {
        assert!(read(Path::new("/nonexistent/.env")).unwrap().is_empty());
    }
}
