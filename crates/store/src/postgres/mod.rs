//! The PostgreSQL back end: the same store, shared by many processes on many machines. Its queries are the
//! store's (`crate::sql`); here are only PostgreSQL's side of [`Dialect`], its rows and values, and the
//! listener. Connecting and the pool are in `pool`, migrations in `schema`.
//!
//! PostgreSQL does its own locking, so there is no writer mutex: connections come from a small pool, each write
//! is one transaction, and writers of documents take turns under an advisory lock, so version ids are committed
//! in the order they are numbered (the change sequence search indexes follow).

mod pool;
mod schema;

pub(crate) use pool::{Postgres, message, out_of_reach};
#[cfg(test)]
pub(crate) use schema::MIGRATIONS;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use crate::sql::{Arg, Dialect, Field, Row, Session, args};
use crate::{Change, Result, StoreError};

/// The advisory lock that makes writers of documents take turns ("doc" in ASCII).
const DOCUMENT_WRITES: i64 = 0x646f63;
/// The channel job changes are announced on, with the job's id as payload.
const JOB_CHANNEL: &str = "verity_jobs";
/// The channel stored documents are announced on.
const DOCUMENT_CHANNEL: &str = "verity_documents";

/// An argument as the column or expression it fills takes it: PostgreSQL's types are strict where SQLite's are
/// not (an `INTEGER` column takes an `i32`, a `BOOLEAN` a `bool`).
impl ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Arg::Null => Ok(IsNull::Yes),
            Arg::Int(n) => match *ty {
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::BOOL => (*n != 0).to_sql(ty, out),
                Type::FLOAT8 => (*n as f64).to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
            Arg::Real(x) => x.to_sql(ty, out),
            Arg::Text(s) => s.as_ref().to_sql(ty, out),
            Arg::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [Type::INT2, Type::INT4, Type::INT8, Type::BOOL, Type::FLOAT8, Type::TEXT, Type::VARCHAR, Type::BYTEA]
            .contains(ty)
    }

    to_sql_checked!();
}

/// Column `i` of a row, by its type.
fn field(row: &tokio_postgres::Row, i: usize) -> Result<Field> {
    fn read<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a tokio_postgres::Row, i: usize) -> Result<Option<T>> {
        Ok(row.try_get(i)?)
    }
    let ty = row.columns()[i].type_();
    Ok(match *ty {
        Type::INT2 => read::<i16>(row, i)?.map(|n| Field::Int(n.into())),
        Type::INT4 => read::<i32>(row, i)?.map(|n| Field::Int(n.into())),
        Type::INT8 => read::<i64>(row, i)?.map(Field::Int),
        Type::BOOL => read::<bool>(row, i)?.map(|b| Field::Int(b.into())),
        Type::FLOAT4 => read::<f32>(row, i)?.map(|x| Field::Real(x.into())),
        Type::FLOAT8 => read::<f64>(row, i)?.map(Field::Real),
        Type::BYTEA => read::<Vec<u8>>(row, i)?.map(Field::Blob),
        Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => read::<String>(row, i)?.map(Field::Text),
        _ => return Err(StoreError::Unreadable(format!("column {i} is of type {ty}, which the store does not read"))),
    }
    .unwrap_or(Field::Null))
}

fn rows(found: Vec<tokio_postgres::Row>) -> Result<Vec<Row>> {
    found.iter().map(|row| Ok(Row((0..row.len()).map(|i| field(row, i)).collect::<Result<_>>()?))).collect()
}

fn values<'a>(args: &'a [Arg<'_>]) -> Vec<&'a (dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

/// A connection of the pool, or a transaction on one, running the store's queries on the store's runtime.
struct PgSession<'a, C> {
    client: &'a C,
    runtime: &'a tokio::runtime::Runtime,
}

impl<C: tokio_postgres::GenericClient + Sync> Session for PgSession<'_, C> {
    fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        rows(self.runtime.block_on(self.client.query(sql, &values(args)))?)
    }

    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        Ok(self.runtime.block_on(self.client.execute(sql, &values(args)))?)
    }
}

/// PostgreSQL's own: row locks (`FOR UPDATE`, `SKIP LOCKED` for workers claiming jobs), an advisory lock for
/// writers of documents, a generated `tsvector` for report search, leases on the database's clock (workers on
/// many machines), and `NOTIFY` for the processes listening.
impl Dialect for Postgres {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn Session) -> Result<()>) -> Result<()> {
        let conn = self.conn()?;
        let client: &tokio_postgres::Client = &conn;
        work(&mut PgSession { client, runtime: self.runtime() })
    }

    fn write(&self, work: &mut dyn FnMut(&mut dyn Session) -> Result<()>) -> Result<()> {
        let mut conn = self.conn()?;
        let runtime = self.runtime();
        let tx = runtime.block_on(conn.transaction())?;
        let client: &tokio_postgres::Transaction<'_> = &tx;
        work(&mut PgSession { client, runtime })?;
        Ok(runtime.block_on(tx.commit())?)
    }

    fn listen(&self) -> Result<Option<crate::Listener>> {
        let runtime = self.runtime();
        let connecting =
            async { tokio::time::timeout(self.connect_timeout, self.config.connect(tokio_postgres::NoTls)).await };
        let (client, mut connection) = runtime
            .block_on(connecting)
            .map_err(|_| pool::no_answer(self.connect_timeout))?
            .map_err(pool::connect_error)?;
        let (sender, changes) = std::sync::mpsc::channel();
        // The connection's messages are read on the runtime; the notifications go to the listener, and when the
        // connection breaks the channel closes, which the listener reports (its node then listens again).
        runtime.spawn(async move {
            while let Some(Ok(message)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                if let tokio_postgres::AsyncMessage::Notification(n) = message {
                    let change = match n.channel() {
                        JOB_CHANNEL => Change::Job(n.payload().to_string()),
                        _ => Change::Documents,
                    };
                    if sender.send(change).is_err() {
                        break;
                    }
                }
            }
        });
        runtime.block_on(client.batch_execute(&format!("LISTEN {JOB_CHANNEL}; LISTEN {DOCUMENT_CHANNEL}")))?;
        Ok(Some(crate::Listener(Listener { _client: client, changes })))
    }

    fn announce(&self, s: &mut dyn Session, change: &Change) -> Result<()> {
        let (channel, payload) = match change {
            Change::Job(id) => (JOB_CHANNEL, id.as_str()),
            Change::Documents => (DOCUMENT_CHANNEL, ""),
        };
        s.execute("SELECT pg_notify($1, $2)", args![channel, payload])?;
        Ok(())
    }

    fn lock_documents(&self, s: &mut dyn Session) -> Result<()> {
        s.execute("SELECT pg_advisory_xact_lock($1)", args![DOCUMENT_WRITES])?;
        Ok(())
    }

    fn after_import(&self, s: &mut dyn Session) -> Result<()> {
        // Ids given explicitly do not move the sequences: new rows must be numbered after the copied ones.
        for table in ["versions", "passages"] {
            s.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"
                ),
                &[],
            )?;
        }
        Ok(())
    }

    fn passage_bytes(&self) -> &'static str {
        "substring(convert_to(v.text, 'UTF8') FROM (p.start + 1)::int FOR (p.\"end\" - p.start)::int)"
    }

    fn report_sequence(&self) -> &'static str {
        "r.seq"
    }

    fn report_search(&self) -> (&'static str, &'static str) {
        ("reports r, to_tsquery('english', $1) q WHERE r.search @@ q", "ts_rank(r.search, q) DESC")
    }

    fn search_query(&self, words: &[String], all: bool) -> String {
        words.join(if all { " & " } else { " | " })
    }

    fn now(&self) -> &'static str {
        "now()"
    }

    fn lease_end(&self, n: usize) -> String {
        format!("now() + make_interval(secs => ${n})")
    }

    fn for_update(&self, skip_locked: bool) -> &'static str {
        if skip_locked { "FOR UPDATE SKIP LOCKED" } else { "FOR UPDATE" }
    }
}

/// A connection that listens on the job and document channels.
pub(crate) struct Listener {
    /// Kept for as long as the listener: dropping it ends the connection.
    _client: tokio_postgres::Client,
    changes: std::sync::mpsc::Receiver<Change>,
}

impl Listener {
    pub(crate) fn wait(&mut self, timeout: std::time::Duration) -> Result<Vec<Change>> {
        use std::sync::mpsc::RecvTimeoutError;
        let first = match self.changes.recv_timeout(timeout) {
            Ok(first) => first,
            Err(RecvTimeoutError::Timeout) => return Ok(Vec::new()),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(StoreError::Unavailable("the connection listening for changes closed".into()));
            }
        };
        // Whatever else has arrived by now, without waiting again.
        Ok(std::iter::once(first).chain(self.changes.try_iter()).collect())
    }
}
