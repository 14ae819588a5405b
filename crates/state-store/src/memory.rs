//! Small helpers over the agent's memory and counters.

use crate::{ActionRecord, Counters, EntityRef, Memory};

/// The default bound on [`Memory::entities`].
pub const DEFAULT_MAX_ENTITIES: usize = 20;

impl Memory {
    /// Records that the user worked with `entity`: it moves to the front (most recent
    /// first), replacing an earlier record of the same kind and id, and the list is cut to
    /// `max_entities`. A known title is kept when the new record has none.
    pub fn remember_entity(&mut self, mut entity: EntityRef, max_entities: usize) {
        if let Some(pos) = self
            .entities
            .iter()
            .position(|e| e.kind == entity.kind && e.id == entity.id)
        {
            let old = self.entities.remove(pos);
            if entity.title.is_none() {
                entity.title = old.title;
            }
        }
        self.entities.insert(0, entity);
        self.entities.truncate(max_entities);
    }

    /// The most recently touched entity of `kind` (`deal`, `contact`, ...), for "it".
    pub fn last_entity(&self, kind: &str) -> Option<&EntityRef> {
        self.entities.iter().find(|e| e.kind == kind)
    }
}

impl Counters {
    /// Counts one turn.
    pub fn count_turn(&mut self) {
        self.turns = self.turns.saturating_add(1);
    }

    /// Counts one action by its decision (`executed`, `planned`, `refused`); returns
    /// `false`, counting nothing, for other decisions such as `held`.
    pub fn count_action(&mut self, decision: &str) -> bool {
        let counter = match decision {
            ActionRecord::EXECUTED => &mut self.actions_executed,
            ActionRecord::PLANNED => &mut self.actions_planned,
            ActionRecord::REFUSED => &mut self.actions_refused,
            _ => return false,
        };
        *counter = counter.saturating_add(1);
        true
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn entity(kind: &str, id: u64, title: Option<&str>) -> EntityRef {
        EntityRef {
            kind: kind.into(),
            id,
            title: title.map(Into::into),
            touched_at: Utc.with_ymd_and_hms(2025, 3, 1, 10, 0, 0).unwrap(),
        }
    }

    fn ids(m: &Memory) -> Vec<(String, u64)> {
        m.entities.iter().map(|e| (e.kind.clone(), e.id)).collect()
    }

    #[test]
    fn entities_move_to_front_dedupe_and_stay_bounded() {
        let mut m = Memory::default();
        m.remember_entity(entity("deal", 1, Some("Поставка")), 3);
        m.remember_entity(entity("contact", 1, None), 3);
        m.remember_entity(entity("deal", 2, None), 3);
        m.remember_entity(entity("deal", 1, None), 3);
        assert_eq!(
            ids(&m),
            [
                ("deal".into(), 1),
                ("deal".into(), 2),
                ("contact".into(), 1)
            ]
        );
        assert_eq!(m.entities[0].title.as_deref(), Some("Поставка"));
        m.remember_entity(entity("task", 9, Some("Позвонить")), 3);
        assert_eq!(ids(&m)[0], ("task".into(), 9));
        assert_eq!(m.entities.len(), 3);
        assert_eq!(m.last_entity("deal").map(|e| e.id), Some(1));
        assert_eq!(m.last_entity("contact"), None);
        m.remember_entity(entity("deal", 1, Some("Новое имя")), 3);
        assert_eq!(m.entities[0].title.as_deref(), Some("Новое имя"));
    }

    #[test]
    fn counters_count_known_decisions_only() {
        let mut c = Counters::default();
        c.count_turn();
        assert!(c.count_action("executed"));
        assert!(c.count_action("planned"));
        assert!(c.count_action("planned"));
        assert!(c.count_action("refused"));
        assert!(!c.count_action("held"));
        assert_eq!(
            c,
            Counters {
                turns: 1,
                actions_executed: 1,
                actions_planned: 2,
                actions_refused: 1
            }
        );
        c.turns = u64::MAX;
        c.count_turn();
        assert_eq!(c.turns, u64::MAX);
    }
}
