//! Statistical secrecy, in one place: a table of counts of persons leaves the platform (a
//! dashboard, an export, the open data) only as [`protect`] publishes it, and a delay or a
//! rate only through [`measure`].
//!
//! - **Primary suppression**: a count of 1 to `threshold - 1` persons is shown as « s »
//!   (0 is shown: it names nobody).
//! - **Secondary suppression**: the table is published with its margins (each row's total,
//!   each column's, the grand total), so a hidden cell could be worked out from them. Seen as
//!   a grid whose last column holds the rows' totals and whose last row the columns', each row
//!   and each column of the grid is a constraint « its entries add up to its total ». More is
//!   hidden, smallest counts first, until in every such line that hides anything
//!   1. at least two entries are hidden (one alone is its total minus the others),
//!   2. the hidden entries add up to `threshold` persons or more (two hidden cells of 1 in a
//!      line totalling 2 would be known to be 1 each: « s » is never 0),
//!
//!   and then, since lines' sums taken together can still pin an entry (two rows' totals
//!   minus a column's, say), until an **audit** finds none: for each hidden entry, the least
//!   and the greatest value an attacker can give it from the published table (linear
//!   programs, exact here: a table with its margins is a transportation problem, whose bounds
//!   are whole numbers) must differ. A pinned entry gets one more hidden in its row, else its
//!   column, else anywhere. A 0 is never hidden, so « s » always means 1 or more; hiding every
//!   count above 0 leaves each one unbounded, so the loop always ends on a safe table.
//!
//! A table once audited is remembered by its counts and threshold (the audit is most of a
//! dashboard's cost, and a department's figures change once a night); an entry the audit
//! finds free is not audited again as more is hidden, since hiding more only widens what it
//! could be.
//!
//! `tests` attacks with its own linear program over the whole published grid, and must fail
//! on every table it draws.

use std::fmt;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

use hashlink::LruCache;
use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};

/// Below this many persons a count is not shown, unless a department's figures set another.
pub const DEFAULT_THRESHOLD: u64 = 11;

/// A published figure: its value, or « s » (secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Value(u64),
    Secret,
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Value(n) => write!(f, "{n}"),
            Shown::Secret => f.write_str("s"),
        }
    }
}

/// Counts of persons by two dimensions (rows by columns), before secrecy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CountTable {
    rows: usize,
    cols: usize,
    cells: Vec<u64>,
}

impl CountTable {
    /// `cells` row by row; `None` unless there are `rows × cols` of them.
    pub fn new(rows: usize, cols: usize, cells: Vec<u64>) -> Option<Self> {
        (rows > 0 && cols > 0 && cells.len() == rows * cols).then_some(Self { rows, cols, cells })
    }

    pub fn cell(&self, row: usize, col: usize) -> u64 {
        self.cells[row * self.cols + col]
    }

    /// The grid with the margins: `rows + 1` lines of `cols + 1` entries.
    fn grid(&self) -> Grid {
        let (h, w) = (self.rows + 1, self.cols + 1);
        let mut values = vec![0; h * w];
        for r in 0..self.rows {
            for c in 0..self.cols {
                let v = self.cell(r, c);
                values[r * w + c] = v;
                values[r * w + self.cols] += v;
                values[self.rows * w + c] += v;
                values[self.rows * w + self.cols] += v;
            }
        }
        Grid { h, w, values }
    }
}

/// A table as it may be published: its cells and margins, secret ones as « s ».
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    rows: usize,
    cols: usize,
    /// `rows + 1` lines of `cols + 1`: the margins last.
    grid: Vec<Shown>,
}

impl Published {
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn cell(&self, row: usize, col: usize) -> Shown {
        self.grid[row * (self.cols + 1) + col]
    }

    pub fn row_total(&self, row: usize) -> Shown {
        self.cell(row, self.cols)
    }

    pub fn col_total(&self, col: usize) -> Shown {
        self.cell(self.rows, col)
    }

    pub fn total(&self) -> Shown {
        self.cell(self.rows, self.cols)
    }
}

/// The table with its margins, as lines of entries (see the module's doc).
struct Grid {
    h: usize,
    w: usize,
    values: Vec<u64>,
}

impl Grid {
    /// Every row, then every column, as the indices of its entries; its total last.
    fn lines(&self) -> Vec<Vec<usize>> {
        let rows = (0..self.h).map(|r| (0..self.w).map(|c| r * self.w + c).collect());
        let cols = (0..self.w).map(|c| (0..self.h).map(|r| r * self.w + c).collect());
        rows.chain(cols).collect()
    }

    /// The entry of `line` to hide next: the smallest shown count above 0, a cell before the
    /// line's total. A 0 is never hidden: « s » always means 1 or more.
    fn next_in(&self, line: &[usize], hidden: &[bool]) -> Option<usize> {
        let (cells, total) = line.split_at(line.len() - 1);
        let shown = |i: &&usize| !hidden[**i];
        let smallest = |entries: &[usize]| {
            entries
                .iter()
                .filter(shown)
                .filter(|i| self.values[**i] > 0)
                .min_by_key(|i| self.values[**i])
                .copied()
        };
        smallest(cells).or_else(|| smallest(total))
    }

    /// The hidden entries linked to `target` through lines that hide something: the only
    /// unknowns its bounds depend on (a line with no hidden entry of this group constrains
    /// none of them).
    fn linked(&self, target: usize, hidden: &[bool]) -> Vec<usize> {
        let mut group = vec![target];
        let mut seen = vec![false; hidden.len()];
        seen[target] = true;
        let mut next = 0;
        while let Some(&entry) = group.get(next) {
            next += 1;
            let (row, col) = (entry / self.w, entry % self.w);
            let in_row = (0..self.w).map(|c| row * self.w + c);
            let in_col = (0..self.h).map(|r| r * self.w + col);
            for other in in_row.chain(in_col) {
                if hidden[other] && !seen[other] {
                    seen[other] = true;
                    group.push(other);
                }
            }
        }
        group.sort_unstable();
        group
    }

    /// The least or greatest value an attacker can give hidden entry `target`, once every
    /// line adds up, shown entries are as shown and each « s » is 1 or more. A linear program
    /// over the entries `secret` linked to it; a table with its margins is a transportation problem,
    /// so the bounds are whole numbers.
    fn bound(
        &self,
        target: usize,
        secret: &[usize],
        hidden: &[bool],
        lines: &[Vec<usize>],
        direction: OptimizationDirection,
    ) -> Bound {
        let mut problem = Problem::new(direction);
        let vars: Vec<_> = secret
            .iter()
            .map(|i| problem.add_var(if *i == target { 1.0 } else { 0.0 }, (1.0, f64::INFINITY)))
            .collect();
        for line in lines {
            // Cells count +1, the total -1; what is shown moves to the right-hand side.
            let sign = |i: &usize| if i == line.last().unwrap() { -1.0 } else { 1.0 };
            let terms: Vec<_> = line
                .iter()
                .filter_map(|i| secret.binary_search(i).ok().map(|k| (vars[k], sign(i))))
                .collect();
            if terms.is_empty() {
                continue;
            }
            let shown: f64 = line
                .iter()
                .filter(|i| !hidden[**i])
                .map(|i| sign(i) * self.values[*i] as f64)
                .sum();
            problem.add_constraint(terms, ComparisonOp::Eq, -shown);
        }
        match problem.solve() {
            Ok(SolveOutcome::Solution(solution)) => Bound::At(solution.objective()),
            Err(microlp::Error::Unbounded) => Bound::Unbounded,
            // Never seen (the true table is always feasible): counted as given away,
            // so that a numerical failure can only hide more.
            _ => Bound::Unknown,
        }
    }

    /// A hidden entry the published table gives away, if any: one whose least and greatest
    /// values are the same. An entry found free (`safe`) stays so as more is hidden (the
    /// values it could take only widen, the newly hidden entry's true value being one choice),
    /// so it is not audited again.
    fn pinned(&self, hidden: &[bool], safe: &mut [bool]) -> Option<usize> {
        let lines = self.lines();
        let candidates: Vec<usize> = (0..hidden.len())
            .filter(|i| hidden[*i] && !safe[*i])
            .collect();
        for target in candidates {
            let group = self.linked(target, hidden);
            let bound = |direction| self.bound(target, &group, hidden, &lines, direction);
            let free = match bound(OptimizationDirection::Maximize) {
                Bound::Unbounded => true,
                Bound::Unknown => false,
                Bound::At(high) => match bound(OptimizationDirection::Minimize) {
                    Bound::At(low) => high - low >= 0.5,
                    Bound::Unbounded | Bound::Unknown => false,
                },
            };
            if !free {
                return Some(target);
            }
            safe[target] = true;
        }
        None
    }
}

/// What the audit's linear program says of one hidden entry in one direction.
enum Bound {
    At(f64),
    Unbounded,
    /// The solver failed: treated as pinned.
    Unknown,
}

/// How many tables [`protect`] remembers: a department's dashboards over each period, for
/// many departments (a table of 24 months by 8 codes weighs about 5 kB here).
const REMEMBERED: usize = 2048;

/// Tables already published, by their counts and threshold. A department's figures change
/// once a night, and the audit's linear programs are most of a dashboard's cost: a view after
/// the first reads its tables from here. `protect` is a function of its arguments, so what is
/// remembered can never be stale.
static PUBLISHED: LazyLock<Mutex<LruCache<(CountTable, u64), Published>>> =
    LazyLock::new(|| Mutex::new(LruCache::new(REMEMBERED)));

/// The table as it may be published under `threshold` (see the module's doc).
pub fn protect(table: &CountTable, threshold: u64) -> Published {
    let key = (table.clone(), threshold);
    if let Some(published) = remembered().get(&key) {
        return published.clone();
    }
    // Not locked while auditing: two first views may both audit, and agree.
    let published = audited(table, threshold);
    remembered().insert(key, published.clone());
    published
}

fn remembered() -> MutexGuard<'static, LruCache<(CountTable, u64), Published>> {
    // Nothing panics while it is held; a poisoned lock still holds whole tables.
    PUBLISHED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// [`protect`]'s work: primary suppression, then secondary until the audit finds nothing.
fn audited(table: &CountTable, threshold: u64) -> Published {
    let grid = table.grid();
    let mut hidden: Vec<bool> = grid
        .values
        .iter()
        .map(|v| (1..threshold).contains(v))
        .collect();
    let lines = grid.lines();
    let mut safe = vec![false; hidden.len()];
    loop {
        let weak = lines.iter().find_map(|line| {
            let secret: Vec<u64> = line
                .iter()
                .filter(|i| hidden[**i])
                .map(|i| grid.values[*i])
                .collect();
            let exposed =
                !secret.is_empty() && (secret.len() < 2 || secret.iter().sum::<u64>() < threshold);
            exposed.then(|| grid.next_in(line, &hidden)).flatten()
        });
        let next = weak.or_else(|| {
            // The lines' sums together can still pin an entry (two lines' sums minus a third's,
            // say): hide one more of its row, else of its column, else the smallest left.
            let entry = grid.pinned(&hidden, &mut safe)?;
            let (row, col) = (entry / grid.w, entry % grid.w);
            grid.next_in(&lines[row], &hidden)
                .or_else(|| grid.next_in(&lines[grid.h + col], &hidden))
                .or_else(|| grid.next_in(&(0..grid.values.len()).collect::<Vec<_>>(), &hidden))
        });
        match next {
            Some(i) => hidden[i] = true,
            None => break,
        }
    }
    Published {
        rows: table.rows,
        cols: table.cols,
        grid: grid
            .values
            .iter()
            .zip(&hidden)
            .map(|(v, h)| if *h { Shown::Secret } else { Shown::Value(*v) })
            .collect(),
    }
}

/// Counts published one by one, with no total (a month after month series): nothing to work a
/// hidden count out from, so primary suppression is all there is to do.
pub fn protect_series(counts: &[u64], threshold: u64) -> Vec<Shown> {
    counts
        .iter()
        .map(|v| {
            if (1..threshold).contains(v) {
                Shown::Secret
            } else {
                Shown::Value(*v)
            }
        })
        .collect()
}

/// A delay or a rate, shown only when computed on `threshold` persons or more.
pub fn measure<T>(value: T, persons: u64, threshold: u64) -> Option<T> {
    (persons >= threshold).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The attacker's bounds on grid entry `target` from the published table: the least and
    /// the greatest value it can take with every line adding up, shown entries as shown, and
    /// each « s » at 1 or more. `None` for no greatest.
    fn bounds(published: &Published, target: usize) -> (f64, Option<f64>) {
        let (h, w) = (published.rows + 1, published.cols + 1);
        let solve = |direction| {
            let mut problem = Problem::new(direction);
            let vars: Vec<_> = published
                .grid
                .iter()
                .enumerate()
                .map(|(i, shown)| {
                    let goal = if i == target { 1.0 } else { 0.0 };
                    match shown {
                        Shown::Value(v) => problem.add_var(goal, (*v as f64, *v as f64)),
                        Shown::Secret => problem.add_var(goal, (1.0, f64::INFINITY)),
                    }
                })
                .collect();
            let grid = Grid {
                h,
                w,
                values: vec![0; h * w],
            };
            for line in grid.lines() {
                let (cells, total) = line.split_at(line.len() - 1);
                let terms: Vec<_> = cells
                    .iter()
                    .map(|i| (vars[*i], 1.0))
                    .chain([(vars[total[0]], -1.0)])
                    .collect();
                problem.add_constraint(terms, ComparisonOp::Eq, 0.0);
            }
            match problem.solve() {
                Ok(SolveOutcome::Solution(s)) => Some(s.objective()),
                _ => None,
            }
        };
        let low = solve(OptimizationDirection::Minimize).expect("the true table is feasible");
        (low, solve(OptimizationDirection::Maximize))
    }

    fn published(rows: usize, cols: usize, cells: &[u64]) -> Published {
        protect(
            &CountTable::new(rows, cols, cells.to_vec()).unwrap(),
            DEFAULT_THRESHOLD,
        )
    }

    #[test]
    fn small_counts_are_secret_and_zeros_and_large_ones_shown() {
        let p = published(2, 2, &[3, 40, 50, 60]);
        assert_eq!(p.cell(0, 0), Shown::Secret);
        // The lone « s » of row 0 and of column 0 are covered by more: here the whole inside,
        // the margins (none below the threshold) shown.
        for (r, c) in [(0, 1), (1, 0), (1, 1)] {
            assert_eq!(p.cell(r, c), Shown::Secret, "{p:?}");
        }
        assert_eq!(p.row_total(0).to_string(), "43");
        assert_eq!(p.col_total(1), Shown::Value(100));
        assert_eq!(p.total(), Shown::Value(153));
        // Nothing to hide: everything shown, zeros included.
        let zeros = published(1, 3, &[0, 25, 30]);
        assert_eq!(zeros.cell(0, 0), Shown::Value(0));
        assert_eq!(zeros.cell(0, 2), Shown::Value(30));
        assert_eq!(zeros.total(), Shown::Value(55));
    }

    #[test]
    fn a_delay_or_a_rate_needs_enough_persons() {
        assert_eq!(measure(42.5, 10, DEFAULT_THRESHOLD), None);
        assert_eq!(measure(42.5, 11, DEFAULT_THRESHOLD), Some(42.5));
    }

    #[test]
    fn the_attacker_recovers_a_cell_hidden_alone() {
        // What the attack below would find if secondary suppression did nothing.
        let mut p = published(2, 2, &[30, 40, 50, 60]);
        p.grid[0] = Shown::Secret;
        assert_eq!(bounds(&p, 0), (30.0, Some(30.0)));
    }

    /// The grid as published with `hidden` entries secret.
    fn with_hidden(grid: &Grid, rows: usize, cols: usize, hidden: &[bool]) -> Published {
        Published {
            rows,
            cols,
            grid: grid
                .values
                .iter()
                .zip(hidden)
                .map(|(v, h)| if *h { Shown::Secret } else { Shown::Value(*v) })
                .collect(),
        }
    }

    #[test]
    fn a_table_published_under_one_threshold_is_audited_again_under_another() {
        let table = CountTable::new(2, 2, vec![5, 20, 20, 20]).unwrap();
        let strict = protect(&table, 11);
        let lenient = protect(&table, 3);
        assert_eq!(strict.cell(0, 0), Shown::Secret);
        assert_eq!(lenient.cell(0, 0), Shown::Value(5));
        assert_eq!(protect(&table, 11), strict);
    }

    #[test]
    fn the_audit_finds_a_cell_on_no_cycle_of_secrets_until_one_runs_through_it() {
        let grid = CountTable::new(4, 4, vec![20; 16]).unwrap().grid();
        let mut hidden = vec![false; 25];
        // Two 2 × 2 blocks, each line hiding two, joined by (0, 2): the sums of the lines on
        // one side of it fix it.
        for (r, c) in [
            (0, 0),
            (0, 1),
            (1, 0),
            (1, 1),
            (2, 2),
            (2, 3),
            (3, 2),
            (3, 3),
            (0, 2),
        ] {
            hidden[r * 5 + c] = true;
        }
        assert_eq!(
            grid.pinned(&hidden, &mut vec![false; hidden.len()]),
            Some(2)
        );
        assert_eq!(
            bounds(&with_hidden(&grid, 4, 4, &hidden), 2),
            (20.0, Some(20.0))
        );
        // One more secret in its row closes a cycle through it: it can move.
        hidden[3] = true;
        assert_eq!(grid.pinned(&hidden, &mut vec![false; hidden.len()]), None);
        let (low, high) = bounds(&with_hidden(&grid, 4, 4, &hidden), 2);
        assert!(high.is_none_or(|high| high > low), "{low} {high:?}");
    }

    #[test]
    fn the_audit_finds_a_cell_pinned_by_lines_together_though_each_line_looks_safe() {
        // Found by the property test: each line hides two or more, yet row 0 with row 1 minus
        // column 3 and column 1 leaves (0, 2) + (1, 0) = 2, so both are 1.
        let grid = CountTable::new(3, 3, vec![0, 1, 1, 1, 10, 11, 9, 11, 2])
            .unwrap()
            .grid();
        let mut hidden = vec![false; 16];
        for i in [1, 2, 3, 4, 5, 7, 8, 10, 12, 14] {
            hidden[i] = true;
        }
        assert_eq!(
            grid.pinned(&hidden, &mut vec![false; hidden.len()]),
            Some(2)
        );
        assert_eq!(
            bounds(&with_hidden(&grid, 3, 3, &hidden), 2),
            (1.0, Some(1.0))
        );
        let published = published(3, 3, &[0, 1, 1, 1, 10, 11, 9, 11, 2]);
        let (low, high) = bounds(&published, 2);
        assert!(high.is_none_or(|high| high > low), "{published:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn no_hidden_cell_can_be_worked_out_from_the_published_table(
            (rows, cols, cells) in (1usize..6, 1usize..6).prop_flat_map(|(r, c)| {
                (Just(r), Just(c), proptest::collection::vec(
                    prop_oneof![3 => 0u64..12, 2 => 0u64..60, 1 => 1u64..3], r * c))
            })
        ) {
            let table = CountTable::new(rows, cols, cells).unwrap();
            let p = protect(&table, DEFAULT_THRESHOLD);
            let grid = table.grid();
            for (i, shown) in p.grid.iter().enumerate() {
                match shown {
                    Shown::Value(v) => {
                        prop_assert_eq!(*v, grid.values[i]);
                        prop_assert!(*v == 0 || *v >= DEFAULT_THRESHOLD, "{} shown", v);
                    }
                    Shown::Secret => {
                        let (low, high) = bounds(&p, i);
                        prop_assert!(
                            high.is_none_or(|high| high - low >= 1.0),
                            "entry {} ({}) pinned to [{}, {:?}] in {:?}",
                            i, grid.values[i], low, high, p
                        );
                    }
                }
            }
        }
    }
}
