//! Durable (`synchronous = FULL`) single-row insert transactions per second:
//! one at a time vs 256 concurrent writers sharing group commits; and point reads
//! per second through the read pool, for a few `read_threads` × `read_pool_size`.
//!
//! Run: `cargo bench -p roster-actors --bench store`. The database lives under
//! the target folder (a real disk, not tmpfs, so every commit pays its fsync).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use roster_actors::store::{Store, StoreConfig, StoreError, Synchronous};
use rusqlite::Connection;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

/// One small row, as a session or code record would be.
const PAYLOAD: [u8; 64] = [0x5a; 64];

fn insert(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    tx.prepare_cached("INSERT INTO bench (payload) VALUES (?1)")?
        .execute([&PAYLOAD[..]])?;
    Ok(())
}

/// A durable store on a fresh file with the bench table.
fn open(runtime: &Runtime, dir: &tempfile::TempDir) -> Store {
    open_with(runtime, dir, StoreConfig::default())
}

/// `open` with `config`'s other settings.
fn open_with(runtime: &Runtime, dir: &tempfile::TempDir, config: StoreConfig) -> Store {
    let config = StoreConfig {
        path: dir.path().join("bench.db"),
        synchronous: Synchronous::Full,
        ..config
    };
    let store = Store::open(&config).expect("open store");
    runtime
        .block_on(store.write(|tx| {
            tx.execute_batch("CREATE TABLE bench (id INTEGER PRIMARY KEY, payload BLOB)")?;
            Ok(())
        }))
        .expect("create table");
    store
}

/// `writers` concurrent writes, each its own job; returns when all are committed.
async fn burst(store: &Store, writers: usize) {
    let mut tasks = JoinSet::new();
    for _ in 0..writers {
        let store = store.clone();
        tasks.spawn(async move { store.write(insert).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task").expect("insert");
    }
}

fn durable_inserts(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let store = open(&runtime, &dir);

    let mut group = c.benchmark_group("durable_insert");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    // The floor: one rusqlite connection, one fsync per commit, no store around it.
    let raw = Connection::open(dir.path().join("raw.db")).expect("raw db");
    raw.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE bench (id INTEGER PRIMARY KEY, payload BLOB);",
    )
    .expect("raw schema");
    group.throughput(Throughput::Elements(1));
    group.bench_function("raw_rusqlite_one_at_a_time", |b| {
        b.iter(|| {
            raw.execute("INSERT INTO bench (payload) VALUES (?1)", [&PAYLOAD[..]])
                .expect("raw insert")
        })
    });

    group.bench_function("store_one_at_a_time", |b| {
        b.iter(|| runtime.block_on(store.write(insert)).expect("insert"))
    });

    for writers in [16, 256] {
        group.throughput(Throughput::Elements(writers as u64));
        group.bench_with_input(
            BenchmarkId::new("store_concurrent", writers),
            &writers,
            |b, &writers| b.iter(|| runtime.block_on(burst(&store, writers))),
        );
    }
    group.finish();

    let stats = store.stats();
    println!(
        "group commit: {} write jobs in {} transactions ({:.1} jobs per fsync)",
        stats.write_jobs,
        stats.batches,
        stats.write_jobs as f64 / stats.batches.max(1) as f64
    );
    store.close();
}

/// Rows the read bench looks up.
const ROWS: i64 = 1000;

/// `readers` concurrent point reads, each its own job; returns when all are answered.
async fn read_burst(store: &Store, readers: i64) {
    let mut tasks = JoinSet::new();
    for n in 0..readers {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .read(move |conn| {
                    let payload: Vec<u8> = conn
                        .prepare_cached("SELECT payload FROM bench WHERE id = ?1")?
                        .query_row([n % ROWS + 1], |row| row.get(0))?;
                    Ok(payload.len())
                })
                .await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task").expect("read");
    }
}

fn pooled_reads(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("pooled_read");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(256));
    for (threads, connections) in [(2, 2), (4, 2), (2, 1)] {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
        let store = open_with(
            &runtime,
            &dir,
            StoreConfig {
                read_threads: threads,
                read_pool_size: connections,
                ..StoreConfig::default()
            },
        );
        runtime
            .block_on(store.write(|tx| {
                for _ in 0..ROWS {
                    insert(tx)?;
                }
                Ok(())
            }))
            .expect("rows");
        group.bench_function(
            BenchmarkId::new("threads_x_connections", format!("{threads}x{connections}")),
            |b| b.iter(|| runtime.block_on(read_burst(&store, 256))),
        );
        store.close();
    }
    group.finish();
}

criterion_group!(benches, durable_inserts, pooled_reads);
criterion_main!(benches);
