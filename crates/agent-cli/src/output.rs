//! What the CLI shows a person: notices on stderr, a spinner while waiting, colours that
//! obey `NO_COLOR`.
#![allow(clippy::print_stderr)]

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// The terminal facts that decide how things are shown.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// stderr is a terminal: spinners and colours may be used there.
    pub stderr_tty: bool,
    /// stdin and stdout are both terminals: the CLI may ask questions.
    pub interactive: bool,
    /// ANSI colours are allowed (a terminal and no `NO_COLOR`).
    pub color: bool,
}

impl Ui {
    /// Reads the facts from the process.
    pub fn detect() -> Self {
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            stderr_tty,
            interactive: std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
            color: stderr_tty && !no_color,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// An informational notice on stderr.
    pub fn notice(&self, text: &str) {
        eprintln!("{}", self.paint("2", text));
    }

    /// A warning on stderr.
    pub fn warn(&self, text: &str) {
        eprintln!("{} {text}", self.paint("33", "warning:"));
    }

    /// An error on stderr.
    pub fn error(&self, text: &str) {
        eprintln!("{} {text}", self.paint("31", "error:"));
    }

    /// A spinner on stderr while `future` runs, only when stderr is a terminal.
    pub async fn spin<F: Future>(&self, label: &str, future: F) -> F::Output {
        if !self.stderr_tty {
            return future.await;
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("a valid template"));
        bar.set_message(label.to_owned());
        bar.enable_steady_tick(Duration::from_millis(90));
        let out = future.await;
        bar.finish_and_clear();
        out
    }
}
