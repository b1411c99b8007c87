//! Jobs that fail two ways: an error the client is answered with (the job's writes
//! so far commit with it), or a database error (the job rolls back).

use super::StoreError;

/// An operation's failure.
#[derive(Debug)]
pub enum Fail<E> {
    /// Answer the client with this error; what was written so far commits (e.g. a
    /// wrong code still counts the attempt).
    Answer(E),
    /// The database failed: the job is rolled back.
    Db(rusqlite::Error),
}

impl<E> From<rusqlite::Error> for Fail<E> {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Db(e)
    }
}

/// Turns an operation's outcome into what a store job returns: answers are results
/// (their writes commit), database errors roll the job back.
pub fn settle<T, E>(r: Result<T, Fail<E>>) -> Result<Result<T, E>, StoreError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(Fail::Answer(e)) => Ok(Err(e)),
        Err(Fail::Db(e)) => Err(e.into()),
    }
}
