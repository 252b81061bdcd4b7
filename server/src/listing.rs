//! Lists read a page at a time from a row's position (keyset pagination), so that a page
//! costs the same in a department of a hundred rows or of a million: « Page suivante » carries
//! the last row's position, « Page précédente » the first row's, and the store seeks it on an
//! index in the list's order. `OFFSET` would read every row it skips.
//!
//! A list gives its position type ([`Position`]: the sorted columns and a row's values, with
//! the id where the column repeats), an index in that order, and its filtered query; [`read`]
//! does the rest. Pages say how many rows match (from a kept count, or [`count_up_to`]), not
//! « page 3 sur 900 », which would cost a count of every row before.

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, FromQueryResult, Order, QueryFilter,
    QuerySelect, QueryTrait, Select,
};

/// A row's place in a list's order.
pub trait Position: Clone {
    /// The sorted columns, and this position's values in the same order.
    fn columns_and_values(&self) -> (Vec<Expr>, Vec<Expr>);
    /// Whether the list goes up these columns (down for « newest first »).
    fn ascending(&self) -> bool;
}

/// Which page of a list: the first, or the one just after or just before a row seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PageAt<K> {
    #[default]
    First,
    After(K),
    Before(K),
}

/// One page of a list, and where the pages around it start.
#[derive(Clone, Debug)]
pub struct Page<R, K> {
    pub rows: Vec<R>,
    /// The first row's position, when rows come before it.
    pub previous: Option<K>,
    /// The last row's position, when rows follow it.
    pub next: Option<K>,
}

/// A page of the rows `branches` select (filtered, not yet ordered) from `at`. `order` sorts a
/// query in the list's order (`Order::Asc`) or its reverse (`Order::Desc`, to read
/// backwards); `key` gives a row's position. Less than a page before a position is the first
/// page; nothing after one (its rows went meanwhile) starts from the top again.
///
/// Several branches are read each from `at` and merged by position: a list of rows in any of
/// several states reads a page from each state's index in order (a few pages' worth of rows)
/// rather than walking one order and skipping every row in another state.
pub async fn read<E, R, K>(
    txn: &DatabaseTransaction,
    branches: Vec<Select<E>>,
    order: impl Fn(Select<E>, Order) -> Select<E>,
    key: impl Fn(&R) -> K,
    at: &PageAt<K>,
    size: u64,
) -> Result<Page<R, K>, DbErr>
where
    E: EntityTrait,
    R: FromQueryResult + Send + Sync,
    K: Position + Ord,
{
    let page = usize::try_from(size).unwrap_or(usize::MAX);
    let mut rows = rows_from(txn, &branches, &order, &key, at, size).await?;
    let short = match at {
        PageAt::First => false,
        PageAt::After(_) => rows.is_empty(),
        PageAt::Before(_) => rows.len() <= page,
    };
    let first = PageAt::First;
    let at = if short { &first } else { at };
    if short {
        rows = rows_from(txn, &branches, &order, &key, at, size).await?;
    }
    let more = rows.len() > page;
    let (previous, next) = match at {
        PageAt::First | PageAt::After(_) => {
            rows.truncate(page);
            let previous = matches!(at, PageAt::After(_))
                .then(|| rows.first())
                .flatten();
            (previous, more.then(|| rows.last()).flatten())
        }
        PageAt::Before(_) => {
            // Read backwards, one more than a page: that first row is the page before's.
            rows.remove(0);
            (rows.first(), rows.last())
        }
    };
    let (previous, next) = (previous.map(&key), next.map(&key));
    Ok(Page {
        rows,
        previous,
        next,
    })
}

/// The query as [`read`] sends it for one branch: from `at`, one more row than a page.
pub fn query_from<E: EntityTrait, K: Position>(
    query: Select<E>,
    order: impl Fn(Select<E>, Order) -> Select<E>,
    at: &PageAt<K>,
    size: u64,
) -> Select<E> {
    let backwards = matches!(at, PageAt::Before(_));
    let mut query = query;
    if let PageAt::After(key) | PageAt::Before(key) = at {
        let (columns, values) = key.columns_and_values();
        let (columns, values) = (Expr::tuple(columns), Expr::tuple(values));
        // After a row of an ascending list is above it; before it, or in a descending list,
        // below (both, above).
        query = query.filter(if key.ascending() != backwards {
            columns.gt(values)
        } else {
            columns.lt(values)
        });
    }
    let direction = if backwards { Order::Desc } else { Order::Asc };
    order(query, direction).limit(size + 1)
}

/// One more row than a page from `at`, in the list's order: each branch's, merged.
async fn rows_from<E, R, K>(
    txn: &DatabaseTransaction,
    branches: &[Select<E>],
    order: &impl Fn(Select<E>, Order) -> Select<E>,
    key: &impl Fn(&R) -> K,
    at: &PageAt<K>,
    size: u64,
) -> Result<Vec<R>, DbErr>
where
    E: EntityTrait,
    R: FromQueryResult + Send + Sync,
    K: Position + Ord,
{
    let mut rows = match branches {
        [branch] => {
            query_from(branch.clone(), order, at, size)
                .into_model::<R>()
                .all(txn)
                .await?
        }
        // One statement for every branch: each one's page as a subquery, all of them glued.
        _ => {
            let mut glued: Option<SelectStatement> = None;
            for (n, branch) in branches.iter().enumerate() {
                let page = query_from(branch.clone(), order, at, size).into_query();
                let mut part = Query::select();
                part.column(Asterisk)
                    .from_subquery(page, Alias::new(format!("branch{n}")));
                match &mut glued {
                    None => glued = Some(part),
                    Some(glued) => {
                        glued.union(UnionType::All, part);
                    }
                }
            }
            let Some(glued) = glued else {
                return Ok(Vec::new());
            };
            R::find_by_statement(txn.get_database_backend().build(&glued))
                .all(txn)
                .await?
        }
    };
    if branches.len() > 1 {
        // In reading order (nearest `at` first), then cut to one more than a page.
        let keyed = rows.first().map(key);
        let ascending = keyed.is_none_or(|k| k.ascending()) != matches!(at, PageAt::Before(_));
        rows.sort_by(|a, b| {
            let by_key = key(a).cmp(&key(b));
            if ascending { by_key } else { by_key.reverse() }
        });
        rows.truncate(usize::try_from(size + 1).unwrap_or(usize::MAX));
    }
    if matches!(at, PageAt::Before(_)) {
        rows.reverse();
    }
    Ok(rows)
}

/// How many rows a filter matches, when no kept count says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    Exact(u64),
    /// More than this many: counting further would cost as much as the list is long.
    AtLeast(u64),
}

impl Total {
    /// The exact figure, or the bound counted up to.
    pub fn at_least(self) -> u64 {
        match self {
            Total::Exact(n) | Total::AtLeast(n) => n,
        }
    }
}

/// Beyond this many rows, a list stops counting them one by one.
pub const COUNTED_UP_TO: u64 = 1_000;

#[derive(FromQueryResult)]
struct Counted {
    total: Option<i64>,
}

/// The one number `query` selects as `total` (a count, or a sum over a kept count table);
/// 0 when it selects none.
pub async fn read_total(
    txn: &DatabaseTransaction,
    query: &sea_orm::sea_query::SelectStatement,
) -> Result<u64, DbErr> {
    let statement = txn.get_database_backend().build(query);
    let counted = Counted::find_by_statement(statement).one(txn).await?;
    Ok(counted
        .and_then(|c| c.total)
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0))
}

/// The rows `query` selects, counted up to [`COUNTED_UP_TO`] and no further: at most that many
/// rows read, whatever the department's size.
pub async fn count_up_to<E: EntityTrait>(
    txn: &DatabaseTransaction,
    query: Select<E>,
) -> Result<Total, DbErr> {
    let matching = query
        .select_only()
        .expr(Expr::cust("1"))
        .limit(COUNTED_UP_TO + 1)
        .into_query();
    let count = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("total"))
        .from_subquery(matching, Alias::new("matching"))
        .to_owned();
    let n = read_total(txn, &count).await?;
    Ok(if n > COUNTED_UP_TO {
        Total::AtLeast(COUNTED_UP_TO)
    } else {
        Total::Exact(n)
    })
}
