//! Durable (`synchronous = FULL`) single-row insert transactions per second:
//! one at a time vs 256 concurrent writers sharing group commits.
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
    let config = StoreConfig {
        path: dir.path().join("bench.db"),
        synchronous: Synchronous::Full,
        ..StoreConfig::default()
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

criterion_group!(benches, durable_inserts);
criterion_main!(benches);
