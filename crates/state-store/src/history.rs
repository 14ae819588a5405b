//! Bounded history: what falls off the recent list is folded into the summary.

use chrono::{DateTime, Utc};

use crate::{ActionRecord, AgentState, HistoryEntry, HistoryRole};

/// How much history a state keeps, and how long the summary may grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryLimits {
    /// The most entries kept in [`AgentState::history`].
    pub max_entries: usize,
    /// The most content bytes kept in the history (see [`HistoryEntry::size_bytes`]).
    pub max_bytes: usize,
    /// The most bytes kept in [`AgentState::summary`]; a longer fold result loses its
    /// oldest part.
    pub max_summary_bytes: usize,
}

impl Default for HistoryLimits {
    /// 40 entries, 32 KiB of history, 8 KiB of summary.
    fn default() -> Self {
        Self {
            max_entries: 40,
            max_bytes: 32 * 1024,
            max_summary_bytes: 8 * 1024,
        }
    }
}

/// Marks a summary whose oldest part was cut to fit [`HistoryLimits::max_summary_bytes`].
pub const SUMMARY_CUT_MARK: &str = "… ";

/// The longest text, in characters, [`append_to_summary`] keeps of one entry.
const APPENDED_TEXT_CHARS: usize = 200;

impl HistoryEntry {
    /// A message from the person.
    pub fn user(at: DateTime<Utc>, text: impl Into<String>) -> Self {
        Self {
            at,
            role: HistoryRole::User,
            text: text.into(),
            actions: Vec::new(),
        }
    }

    /// A reply of the agent, with the compact record of the actions of its turn.
    pub fn assistant(
        at: DateTime<Utc>,
        text: impl Into<String>,
        actions: Vec<ActionRecord>,
    ) -> Self {
        Self {
            at,
            role: HistoryRole::Assistant,
            text: text.into(),
            actions,
        }
    }

    /// The entry's content size in bytes: its text plus the text of its action records.
    ///
    /// This is what [`HistoryLimits::max_bytes`] bounds; the JSON file is somewhat larger
    /// (field names, timestamps, escaping).
    pub fn size_bytes(&self) -> usize {
        self.text.len()
            + self
                .actions
                .iter()
                .map(|a| a.method.len() + a.decision.len() + a.outcome.len())
                .sum::<usize>()
    }
}

impl AgentState {
    /// Appends `entry` to the history and folds what no longer fits into the summary.
    ///
    /// The oldest entries fall off until at most `limits.max_entries` entries and
    /// `limits.max_bytes` bytes remain; the newest entry always stays, even when it alone
    /// is larger than `max_bytes`. The fallen entries, oldest first, go to
    /// `fold(old_summary, fallen)` (called only when something fell off), whose result,
    /// cut to `limits.max_summary_bytes`, becomes the new summary. Returns how many entries
    /// were folded.
    pub fn push_history(
        &mut self,
        entry: HistoryEntry,
        limits: &HistoryLimits,
        fold: impl FnMut(&str, &[HistoryEntry]) -> String,
    ) -> usize {
        self.history.push(entry);
        self.enforce_history_limits(limits, fold)
    }

    /// Folds history that exceeds `limits` into the summary, as [`Self::push_history`]
    /// does; useful after the limits were lowered. Returns how many entries were folded.
    pub fn enforce_history_limits(
        &mut self,
        limits: &HistoryLimits,
        mut fold: impl FnMut(&str, &[HistoryEntry]) -> String,
    ) -> usize {
        let mut bytes: usize = self.history.iter().map(HistoryEntry::size_bytes).sum();
        let mut fallen = 0;
        while fallen + 1 < self.history.len()
            && (self.history.len() - fallen > limits.max_entries || bytes > limits.max_bytes)
        {
            bytes -= self.history[fallen].size_bytes();
            fallen += 1;
        }
        if fallen > 0 {
            let dropped: Vec<HistoryEntry> = self.history.drain(..fallen).collect();
            let folded = fold(&self.summary, &dropped);
            self.summary = keep_tail(folded, limits.max_summary_bytes);
        }
        fallen
    }
}

/// A fold function that needs no model: appends one line per fallen entry to the summary
/// (`user: ...`, `assistant: ... [crm.deal.add executed: ok: id 12]`), each text cut to
/// 200 characters.
pub fn append_to_summary(summary: &str, fallen: &[HistoryEntry]) -> String {
    let mut out = summary.to_owned();
    for entry in fallen {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(match entry.role {
            HistoryRole::User => "user: ",
            HistoryRole::Assistant => "assistant: ",
        });
        let mut chars = entry.text.chars();
        out.extend(chars.by_ref().take(APPENDED_TEXT_CHARS).map(|c| match c {
            '\n' | '\r' => ' ',
            c => c,
        }));
        if chars.next().is_some() {
            out.push('…');
        }
        for action in &entry.actions {
            out.push_str(&format!(
                " [{} {}: {}]",
                action.method, action.decision, action.outcome
            ));
        }
    }
    out
}

/// Cuts `text` to at most `max` bytes by dropping its beginning (at a character boundary)
/// and marking the cut with [`SUMMARY_CUT_MARK`].
fn keep_tail(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    if max < SUMMARY_CUT_MARK.len() {
        return String::new();
    }
    let budget = max - SUMMARY_CUT_MARK.len();
    let mut start = text.len() - budget;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("{SUMMARY_CUT_MARK}{}", &text[start..])
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 10, minute % 60, 0)
            .unwrap()
    }

    fn state() -> AgentState {
        AgentState::new("ivan", at(0))
    }

    fn texts(s: &AgentState) -> Vec<&str> {
        s.history.iter().map(|e| e.text.as_str()).collect()
    }

    #[test]
    fn count_bound_folds_the_oldest_entries_in_order() {
        let limits = HistoryLimits {
            max_entries: 3,
            ..HistoryLimits::default()
        };
        let mut s = state();
        let mut calls = Vec::new();
        for i in 0..5 {
            let folded = s.push_history(
                HistoryEntry::user(at(i), format!("m{i}")),
                &limits,
                |old, fallen| {
                    calls.push((old.to_owned(), texts_of(fallen)));
                    format!("{old}|{}", texts_of(fallen).join(","))
                },
            );
            assert_eq!(folded, usize::from(i >= 3));
        }
        assert_eq!(texts(&s), ["m2", "m3", "m4"]);
        assert_eq!(s.summary, "|m0|m1");
        assert_eq!(
            calls,
            [
                (String::new(), vec!["m0".to_owned()]),
                ("|m0".to_owned(), vec!["m1".to_owned()])
            ]
        );
    }

    fn texts_of(entries: &[HistoryEntry]) -> Vec<String> {
        entries.iter().map(|e| e.text.clone()).collect()
    }

    #[test]
    fn size_bound_counts_actions_and_keeps_the_newest_entry() {
        let limits = HistoryLimits {
            max_entries: 100,
            max_bytes: 10,
            max_summary_bytes: 1000,
        };
        let mut s = state();
        s.push_history(
            HistoryEntry::user(at(1), "aaaa"),
            &limits,
            append_to_summary,
        );
        s.push_history(
            HistoryEntry::user(at(2), "bbbb"),
            &limits,
            append_to_summary,
        );
        assert_eq!(texts(&s), ["aaaa", "bbbb"]);
        let action = ActionRecord {
            method: "m".into(),
            decision: "d".into(),
            outcome: "o".into(),
        };
        let reply = HistoryEntry::assistant(at(3), "cc", vec![action]);
        assert_eq!(reply.size_bytes(), 5);
        // 4 + 4 + 5 = 13 > 10: "aaaa" falls off.
        assert_eq!(s.push_history(reply, &limits, append_to_summary), 1);
        assert_eq!(texts(&s), ["bbbb", "cc"]);
        assert_eq!(s.summary, "user: aaaa");
        // An entry larger than the whole budget stays alone.
        let big = "x".repeat(50);
        assert_eq!(
            s.push_history(
                HistoryEntry::user(at(4), big.clone()),
                &limits,
                append_to_summary
            ),
            2
        );
        assert_eq!(texts(&s), [big.as_str()]);
        assert_eq!(s.summary, "user: aaaa\nuser: bbbb\nassistant: cc [m d: o]");
    }

    #[test]
    fn fold_is_not_called_when_nothing_falls_off() {
        let mut s = state();
        let n = s.push_history(
            HistoryEntry::user(at(1), "hi"),
            &HistoryLimits::default(),
            |_, _| panic!("nothing should fall off"),
        );
        assert_eq!(n, 0);
    }

    #[test]
    fn lowered_limits_are_enforced_without_a_push() {
        let mut s = state();
        for i in 0..6 {
            s.push_history(
                HistoryEntry::user(at(i), format!("m{i}")),
                &HistoryLimits::default(),
                append_to_summary,
            );
        }
        let tight = HistoryLimits {
            max_entries: 2,
            ..HistoryLimits::default()
        };
        assert_eq!(s.enforce_history_limits(&tight, append_to_summary), 4);
        assert_eq!(texts(&s), ["m4", "m5"]);
        assert_eq!(s.summary, "user: m0\nuser: m1\nuser: m2\nuser: m3");
    }

    #[test]
    fn summary_is_cut_at_a_char_boundary_keeping_the_newest_part() {
        let limits = HistoryLimits {
            max_entries: 1,
            max_bytes: 1000,
            max_summary_bytes: 12,
        };
        let mut s = state();
        s.push_history(
            HistoryEntry::user(at(1), "старое"),
            &limits,
            append_to_summary,
        );
        s.push_history(
            HistoryEntry::user(at(2), "новое"),
            &limits,
            append_to_summary,
        );
        // "user: старое" is 18 bytes; the tail must fit 12 bytes with the mark.
        assert!(s.summary.len() <= 12, "{:?}", s.summary);
        assert!(s.summary.starts_with(SUMMARY_CUT_MARK));
        assert!(s.summary.ends_with("ое"));
        assert_eq!(keep_tail("abc".into(), 1), "");
        assert_eq!(keep_tail("abc".into(), 3), "abc");
    }

    #[test]
    fn appended_lines_are_single_line_and_shortened() {
        let long = format!("a\nb{}", "я".repeat(300));
        let out = append_to_summary("", &[HistoryEntry::user(at(1), long)]);
        assert!(!out.contains('\n'));
        assert!(out.ends_with('…'));
        assert_eq!(out.chars().count(), "user: ".len() + 200 + 1);
    }

    proptest! {
        #[test]
        fn bounds_hold_and_nothing_is_lost(
            sizes in proptest::collection::vec(0usize..40, 1..60),
            max_entries in 1usize..10,
            max_bytes in 1usize..120,
        ) {
            let limits = HistoryLimits { max_entries, max_bytes, max_summary_bytes: usize::MAX };
            let mut s = state();
            let mut folded_total = 0;
            for (i, size) in sizes.iter().enumerate() {
                let text = format!("{i}:{}", "x".repeat(*size));
                folded_total += s.push_history(HistoryEntry::user(at(0), text), &limits, |old, fallen| {
                    let mut out = old.to_owned();
                    for e in fallen { out.push_str(&e.text); out.push(';'); }
                    out
                });
                let bytes: usize = s.history.iter().map(HistoryEntry::size_bytes).sum();
                prop_assert!(!s.history.is_empty());
                prop_assert!(s.history.len() <= max_entries);
                prop_assert!(bytes <= max_bytes || s.history.len() == 1);
            }
            // Every entry is either still in the history or in the summary, in order.
            prop_assert_eq!(folded_total + s.history.len(), sizes.len());
            let mut all: String = s.summary.clone();
            for e in &s.history { all.push_str(&e.text); all.push(';'); }
            let expected: String = sizes.iter().enumerate()
                .map(|(i, n)| format!("{i}:{};", "x".repeat(*n))).collect();
            prop_assert_eq!(all, expected);
        }
    }
}
