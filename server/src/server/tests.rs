//! The server's shape: one AuthActor and one ProfileActor, shared by every worker.

use super::*;

#[test]
fn every_worker_routes_to_the_one_auth_and_profile_actor() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.server.workers = 3;
    config.storage.path = dir.path().join("roster.db");
    config.sms.outbox = dir.path().join("sms.jsonl");
    config.voice.outbox = dir.path().join("voice.jsonl");
    actix_rt::System::new().block_on(async move {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = Server::start(listener, config).expect("server starts");
        assert_eq!(server.shared.len(), 3, "one shared state per worker");
        let (auth, profile) = server.shared().router.actors();
        for shared in &server.shared {
            let (a, p) = shared.router.actors();
            assert!(a == auth, "every worker's router has the same AuthActor");
            assert!(
                p == profile,
                "every worker's router has the same ProfileActor"
            );
        }
        server.shutdown().await;
    });
}
