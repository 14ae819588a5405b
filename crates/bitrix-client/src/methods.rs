//! Which REST methods only read (safe to repeat) and which write.

use std::collections::HashMap;

/// Whether a REST method only reads data (safe to send twice) or may change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodKind {
    /// Reads only; repeating it after an ambiguous failure is harmless.
    Read,
    /// May change data; it is never sent twice after an ambiguous failure.
    Write,
}

/// Last segments of a method name that mark a read (`crm.deal.list`, `user.get`, ...).
const READ_VERBS: &[&str] = &[
    "get",
    "list",
    "fields",
    "search",
    "current",
    "count",
    "info",
    "getlist",
    "getfields",
    "findbycomm",
];

/// Methods whose names do not follow the verb convention but only read.
const READ_METHODS: &[&str] = &[
    "server.time",
    "profile",
    "methods",
    "method.get",
    "scope",
    "app.info",
    "user.access",
    "user.admin",
    "feature.get",
    "crm.status.entity.types",
    "crm.status.entity.items",
    "crm.enum.fields",
    "crm.enum.ownertype",
];

/// Decides the [`MethodKind`] of a method by its name, with an override table.
///
/// By name: the last dot-separated segment (case-insensitive) is one of the read verbs
/// (`get`, `list`, `fields`, `search`, `current`, `count`, `info`, `getlist`, ...) or starts
/// with `get`. Everything else is a write, so an unknown method is never repeated blindly.
#[derive(Debug, Clone)]
pub struct MethodRules {
    overrides: HashMap<String, MethodKind>,
}

impl Default for MethodRules {
    fn default() -> Self {
        Self {
            overrides: READ_METHODS
                .iter()
                .map(|m| ((*m).to_owned(), MethodKind::Read))
                .collect(),
        }
    }
}

impl MethodRules {
    /// The built-in rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forces the kind of one method (matched case-insensitively).
    pub fn with_override(mut self, method: &str, kind: MethodKind) -> Self {
        self.overrides.insert(method.to_ascii_lowercase(), kind);
        self
    }

    /// The kind of `method`.
    pub fn kind_of(&self, method: &str) -> MethodKind {
        let lower = method.trim().to_ascii_lowercase();
        if let Some(kind) = self.overrides.get(&lower) {
            return *kind;
        }
        let verb = lower.rsplit('.').next().unwrap_or_default();
        if READ_VERBS.contains(&verb) || (verb.starts_with("get") && lower.contains('.')) {
            MethodKind::Read
        } else {
            MethodKind::Write
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_by_name() {
        let rules = MethodRules::new();
        for read in [
            "crm.deal.get",
            "crm.deal.list",
            "CRM.DEAL.FIELDS",
            "crm.item.list",
            "tasks.task.get",
            "user.current",
            "user.search",
            "task.item.getdata",
            "tasks.task.getaccess",
            "crm.duplicate.findbycomm",
            "server.time",
            "profile",
            "imbot.v2.Event.get",
        ] {
            assert_eq!(rules.kind_of(read), MethodKind::Read, "{read}");
        }
        for write in [
            "crm.deal.add",
            "crm.deal.update",
            "crm.item.delete",
            "tasks.task.complete",
            "task.commentitem.add",
            "im.message.add",
            "crm.timeline.comment.add",
            "crm.activity.todo.add",
            "batch",
            "getaway",
            "something.unknown",
        ] {
            assert_eq!(rules.kind_of(write), MethodKind::Write, "{write}");
        }
    }

    #[test]
    fn overrides_win() {
        let rules = MethodRules::new()
            .with_override("custom.report.build", MethodKind::Read)
            .with_override("crm.deal.list", MethodKind::Write);
        assert_eq!(rules.kind_of("custom.report.build"), MethodKind::Read);
        assert_eq!(rules.kind_of("crm.deal.list"), MethodKind::Write);
    }
}
