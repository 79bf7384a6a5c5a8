//! The one way the store speaks SQL, whichever back end is under it. Each query is written once, with `$1`-style
//! placeholders (SQLite reads them as `?1`), takes [`Arg`]s and gives [`Row`]s of owned [`Field`]s, which each
//! record type reads once ([`ReadRow`]). What the two databases do differently (locking, full-text search, the
//! clock leases run on, announcing changes) is the [`Dialect`] trait, the only code written per back end besides
//! connecting and migrating.

use std::borrow::Cow;

use crate::{Change, Listener, Result, StoreError};

/// A value a query takes.
#[derive(Debug, Clone)]
pub(crate) enum Arg<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(&'a [u8]),
}

/// `Arg::from` for each type a query takes, by the variant it becomes.
macro_rules! arg_from {
    ($($type:ty => |$value:ident| $arg:expr),+ $(,)?) => {$(
        impl<'a> From<$type> for Arg<'a> {
            fn from($value: $type) -> Self {
                $arg
            }
        }
    )+};
}
arg_from! {
    i64 => |n| Arg::Int(n),
    u32 => |n| Arg::Int(n.into()),
    f64 => |x| Arg::Real(x),
    &'a str => |s| Arg::Text(Cow::Borrowed(s)),
    &'a String => |s| Arg::Text(Cow::Borrowed(s)),
    String => |s| Arg::Text(Cow::Owned(s)),
    &'a [u8] => |b| Arg::Blob(b),
    &'a Option<String> => |value| value.as_deref().into(),
}
impl<'a, T: Into<Arg<'a>>> From<Option<T>> for Arg<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Arg::Null, Into::into)
    }
}

/// The arguments of a query, each converted to an [`Arg`].
macro_rules! args {
    ($($arg:expr),* $(,)?) => { &[$($crate::sql::Arg::from($arg)),*][..] };
}
pub(crate) use args;

/// A value a query gave back. A boolean reads as 0 or 1, as SQLite stores it.
#[derive(Debug, Clone, Default)]
pub(crate) enum Field {
    #[default]
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A type a [`Field`] can be read as.
pub(crate) trait Column: Sized {
    /// `None` when the field holds another type.
    fn from_field(field: Field) -> Option<Self>;
}

impl Column for i64 {
    fn from_field(field: Field) -> Option<Self> {
        match field {
            Field::Int(n) => Some(n),
            _ => None,
        }
    }
}
impl Column for f64 {
    fn from_field(field: Field) -> Option<Self> {
        match field {
            Field::Real(x) => Some(x),
            Field::Int(n) => Some(n as f64),
            _ => None,
        }
    }
}
impl Column for bool {
    fn from_field(field: Field) -> Option<Self> {
        i64::from_field(field).map(|n| n != 0)
    }
}
impl Column for String {
    fn from_field(field: Field) -> Option<Self> {
        match field {
            Field::Text(s) => Some(s),
            _ => None,
        }
    }
}
/// Bytes, or text as bytes: a passage is sliced from its text's bytes, and may cut a character in two.
impl Column for Vec<u8> {
    fn from_field(field: Field) -> Option<Self> {
        match field {
            Field::Blob(b) => Some(b),
            Field::Text(s) => Some(s.into_bytes()),
            _ => None,
        }
    }
}
impl<T: Column> Column for Option<T> {
    fn from_field(field: Field) -> Option<Self> {
        match field {
            Field::Null => Some(None),
            field => T::from_field(field).map(Some),
        }
    }
}

/// One row a query gave back.
#[derive(Debug, Default)]
pub(crate) struct Row(pub(crate) Vec<Field>);

impl Row {
    /// Column `i` (counted from 0), taken out of the row.
    pub(crate) fn get<T: Column>(&mut self, i: usize) -> Result<T> {
        let field = self.0.get_mut(i).map(std::mem::take);
        let found = format!("{field:?}");
        field.and_then(T::from_field).ok_or_else(|| {
            StoreError::Unreadable(format!("column {i} holds {found}, not a {}", std::any::type_name::<T>()))
        })
    }
}

/// A record read from a row, written once for both back ends.
pub(crate) trait ReadRow: Sized {
    fn read(row: &mut Row) -> Result<Self>;
}

impl<T: Column> ReadRow for T {
    fn read(row: &mut Row) -> Result<Self> {
        row.get(0)
    }
}
/// A row as a tuple of its columns.
macro_rules! tuple_rows {
    ($(($($column:ident $i:tt),+)),+) => {$(
        impl<$($column: Column),+> ReadRow for ($($column,)+) {
            fn read(row: &mut Row) -> Result<Self> {
                Ok(($(row.get::<$column>($i)?,)+))
            }
        }
    )+};
}
tuple_rows!((A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3), (A 0, B 1, C 2, D 3, E 4));

/// A connection, or a transaction on one, that runs queries.
pub(crate) trait Session {
    fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>>;
    /// Runs a statement and says how many rows it changed.
    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64>;
}

impl dyn Session + '_ {
    pub(crate) fn all<T: ReadRow>(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<T>> {
        self.query(sql, args)?.iter_mut().map(T::read).collect()
    }

    pub(crate) fn optional<T: ReadRow>(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<T>> {
        self.query(sql, args)?.first_mut().map(T::read).transpose()
    }

    pub(crate) fn one<T: ReadRow>(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<T> {
        self.optional(sql, args)?.ok_or_else(|| StoreError::Unreadable(format!("no row came back from: {sql}")))
    }
}

/// `$first, $first+1, ...`: `n` placeholders for an `IN (...)` list or a row of `VALUES`.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Rows at most per statement that lists them (`IN (...)`, `VALUES (...), (...)`): well under both back ends'
/// limits on placeholders per statement (SQLite 32,766, PostgreSQL 65,535).
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// Inserts rows of `width` values each, at most [`ROWS_PER_STATEMENT`] a statement: `sql` is the statement up to
/// `VALUES`, `tail` what follows the rows.
pub(crate) fn insert_rows(s: &mut dyn Session, sql: &str, tail: &str, width: usize, rows: &[Arg<'_>]) -> Result<()> {
    for chunk in rows.chunks(width * ROWS_PER_STATEMENT) {
        let values: Vec<String> =
            (0..chunk.len() / width).map(|row| format!("({})", placeholders(row * width + 1, width))).collect();
        s.execute(&format!("{sql} VALUES {} {tail}", values.join(", ")), chunk)?;
    }
    Ok(())
}

/// What SQLite and PostgreSQL do differently, and how each is reached. Everything else is written once.
pub(crate) trait Dialect: Send + Sync {
    /// "sqlite" or "postgres".
    fn kind(&self) -> &'static str;
    /// Runs `work` on a connection of its own for reading.
    fn read(&self, work: &mut dyn FnMut(&mut dyn Session) -> Result<()>) -> Result<()>;
    /// Runs `work` in one write transaction, committed when it returns `Ok`, rolled back otherwise.
    fn write(&self, work: &mut dyn FnMut(&mut dyn Session) -> Result<()>) -> Result<()>;
    /// A connection of its own that hears what other processes change, where the back end announces it.
    fn listen(&self) -> Result<Option<Listener>> {
        Ok(None)
    }
    /// Tells the processes listening, when the transaction commits.
    fn announce(&self, _session: &mut dyn Session, _change: &Change) -> Result<()> {
        Ok(())
    }
    /// Makes writers of documents take turns, so version ids are committed in the order they are numbered.
    fn lock_documents(&self, _session: &mut dyn Session) -> Result<()> {
        Ok(())
    }
    /// After rows were copied in with their ids: new rows must be numbered after them.
    fn after_import(&self, _session: &mut dyn Session) -> Result<()> {
        Ok(())
    }
    /// Keeps the report search index in step with a saved report (`None`: the report was deleted).
    fn index_report(
        &self,
        _session: &mut dyn Session,
        _id: &str,
        _question_and_claim: Option<(&str, &str)>,
    ) -> Result<()> {
        Ok(())
    }
    /// SQL: the bytes `p.start..p."end"` of `v.text`, for `passages p JOIN versions v`.
    fn passage_bytes(&self) -> &'static str;
    /// SQL: the column that orders reports saved in the same instant.
    fn report_sequence(&self) -> &'static str;
    /// SQL: the reports matching the search query `$1`, as `r`, and the order of their relevance, best first.
    fn report_search(&self) -> (&'static str, &'static str);
    /// The search query matching every word (`all`) or any of them; the words are letters and digits only.
    fn search_query(&self, words: &[String], all: bool) -> String;
    /// SQL: the current time, as leases are compared with it.
    fn now(&self) -> &'static str;
    /// SQL: the time a lease of `$n` seconds from now ends.
    fn lease_end(&self, n: usize) -> String;
    /// SQL, after a `SELECT`: locks the rows read until the transaction ends (other writers wait), skipping
    /// those another holds with `skip_locked`.
    fn for_update(&self, skip_locked: bool) -> &'static str;
}
