//! Paging of list methods: pages of 50, `start`, `next`, `total`, and `start=-1`.

use serde_json::Value;

use crate::coerce::as_int;
use crate::filter::{Filter, Order};
use crate::store::{Row, Table};

/// The fixed page size of classic list methods.
pub(crate) const PAGE_SIZE: usize = 50;

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// `start=-1`: no count, `total` 0 and no `next`.
    NoCount,
    /// An offset into the full result.
    Offset(usize),
}

impl Start {
    /// Reads the `start` parameter (missing or invalid means 0).
    pub(crate) fn parse(value: Option<&Value>) -> Start {
        match value.and_then(as_int) {
            Some(-1) => Start::NoCount,
            Some(n) if n > 0 => Start::Offset(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => Start::Offset(0),
        }
    }
}

/// One page of IDs with the list envelope's `total` and `next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    pub ids: Vec<u64>,
    pub total: u64,
    pub next: Option<u64>,
}

/// Selects one page of a table.
///
/// Rows in ID order are scanned in place (and only within the filter's ID bounds), so a
/// `start=-1` scan by ID costs one page however large the table is; other orders sort
/// the matching rows.
pub(crate) fn page(
    table: &Table,
    filter: &Filter,
    order: &Order,
    start: Start,
    extra: &dyn Fn(&Row) -> bool,
) -> Page {
    let schema = table.schema;
    let keep = |row: &Row| filter.matches(schema, row) && extra(row);
    let offset = match start {
        Start::NoCount => 0,
        Start::Offset(n) => n,
    };
    if let Some(descending) = order.by_id_only() {
        let (lo, hi) = filter.id_bounds();
        if lo > hi {
            return finish(Vec::new(), 0, start);
        }
        let range = table.rows.range(lo..=hi);
        let rows: Box<dyn Iterator<Item = (&u64, &Row)>> = if descending {
            Box::new(range.rev())
        } else {
            Box::new(range)
        };
        let mut ids = Vec::with_capacity(PAGE_SIZE);
        let mut matched = 0usize;
        for (id, row) in rows {
            if !keep(row) {
                continue;
            }
            if matched >= offset && ids.len() < PAGE_SIZE {
                ids.push(*id);
            }
            matched += 1;
            if start == Start::NoCount && ids.len() == PAGE_SIZE {
                break;
            }
        }
        return finish(ids, matched, start);
    }
    let mut rows: Vec<&Row> = table.rows.values().filter(|r| keep(r)).collect();
    rows.sort_by(|a, b| order.compare(schema, a, b));
    let matched = rows.len();
    let ids = rows
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|r| r.id())
        .collect();
    finish(ids, matched, start)
}

fn finish(ids: Vec<u64>, matched: usize, start: Start) -> Page {
    match start {
        Start::NoCount => Page {
            ids,
            total: 0,
            next: None,
        },
        Start::Offset(offset) => {
            let total = matched as u64;
            let next = offset + PAGE_SIZE;
            Page {
                ids,
                total,
                next: (next < matched).then_some(next as u64),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{FilterRules, Names};
    use crate::store::PortalData;
    use serde_json::json;

    fn deals(n: u64) -> PortalData {
        let mut data = PortalData::empty("t".into());
        for i in 0..n {
            let mut row = Row::empty(data.deals.schema);
            row.set(data.deals.schema, "OPPORTUNITY", (i % 7) as f64);
            data.deals.insert(row);
        }
        data
    }

    fn filter(v: Value) -> Filter {
        let rules = FilterRules {
            names: Names::Upper,
            groups: false,
        };
        Filter::parse(&crate::schema::DEAL, Some(&v), rules).unwrap()
    }

    #[test]
    fn offsets_total_and_next() {
        let data = deals(120);
        let none = Filter::default();
        let first = page(
            &data.deals,
            &none,
            &Order::default(),
            Start::Offset(0),
            &|_| true,
        );
        assert_eq!(
            (first.ids.len(), first.total, first.next),
            (50, 120, Some(50))
        );
        let last = page(
            &data.deals,
            &none,
            &Order::default(),
            Start::Offset(100),
            &|_| true,
        );
        assert_eq!((last.ids.len(), last.total, last.next), (20, 120, None));
        assert_eq!(last.ids[0], 101);
        let past = page(
            &data.deals,
            &none,
            &Order::default(),
            Start::Offset(500),
            &|_| true,
        );
        assert!(past.ids.is_empty() && past.next.is_none());
    }

    #[test]
    fn fast_scan_without_count() {
        let data = deals(120);
        let f = filter(json!({">ID": 100}));
        let p = page(&data.deals, &f, &Order::default(), Start::NoCount, &|_| {
            true
        });
        assert_eq!(p.ids, (101..=120).collect::<Vec<_>>());
        assert_eq!((p.total, p.next), (0, None));
    }

    #[test]
    fn sorted_pages_and_descending_ids() {
        let data = deals(20);
        let order = Order::parse(
            &crate::schema::DEAL,
            Some(&json!({"OPPORTUNITY": "DESC"})),
            Names::Upper,
        )
        .unwrap();
        let p = page(
            &data.deals,
            &Filter::default(),
            &order,
            Start::Offset(0),
            &|_| true,
        );
        assert_eq!(&p.ids[..3], &[7, 14, 6]);
        let by_id = Order::parse(
            &crate::schema::DEAL,
            Some(&json!({"ID": "desc"})),
            Names::Upper,
        )
        .unwrap();
        let p = page(
            &data.deals,
            &Filter::default(),
            &by_id,
            Start::Offset(0),
            &|_| true,
        );
        assert_eq!(p.ids[0], 20);
        assert_eq!(Start::parse(Some(&json!("-1"))), Start::NoCount);
        assert_eq!(Start::parse(Some(&json!("x"))), Start::Offset(0));
    }
}
