//! The AuthActor with the ProfileActor on a real store: a login or a logout reaches
//! the Profile cache through its owner (the [`SessionsChanged`] message, answered
//! before Auth replies), and the read-only view only ever reads.

use std::sync::Arc;

use actix::prelude::*;
use tempfile::TempDir;

use super::{AuthActor, AuthCall, SessionsChanged};
use crate::{
    auth::{AuthOk, AuthRequest, JwtConfig, Logout, Proof, Reg, Verify},
    caller::Caller,
    channel::{start_channels, ChannelConfig},
    codes::AuthConfig,
    hub::NoHub,
    phone::{Phone, PhoneSlot},
    profile::{
        CachedGet, Get, ProfileActor, ProfileCall, ProfileConfig, ProfileOk, ProfileRequest,
    },
    secret::CodeKey,
    store::{Store, StoreConfig},
};

/// A test number: the fixed code, nothing sent.
const PHONE: &str = "99900000001";

/// The two actors on one store, and the routers' view of Profile's cache.
struct World {
    /// Auth.
    auth: Addr<AuthActor>,
    /// Profile, the cache's owner.
    profile: Addr<ProfileActor>,
    /// What a router holds.
    cached: CachedGet,
    /// The store, closed at the end.
    store: Store,
    /// The database and outboxes.
    _dir: TempDir,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreConfig {
        path: dir.path().join("roster.db"),
        ..StoreConfig::default()
    })
    .unwrap();
    let mut sms = ChannelConfig::sms_default();
    sms.outbox = dir.path().join("sms.jsonl");
    let mut voice = ChannelConfig::voice_default();
    voice.outbox = dir.path().join("voice.jsonl");
    let channels = start_channels(&sms, &voice).unwrap();
    let mut cfg = AuthConfig::default();
    cfg.test_numbers.enabled = true;
    let key = CodeKey::from_bytes([5; 32]);
    let profile = ProfileActor::new(
        store.clone(),
        channels.0.clone(),
        ProfileConfig::default(),
        cfg.clone(),
        key.clone(),
        Arc::new(NoHub),
    );
    let cached = profile.cached_get();
    let profile = profile.start();
    let auth = AuthActor::new(
        store.clone(),
        channels,
        cfg,
        &JwtConfig::default(),
        key,
        Arc::new(NoHub),
        profile.clone(),
    )
    .unwrap()
    .start();
    World {
        auth,
        profile,
        cached,
        store,
        _dir: dir,
    }
}

/// A logged-in device: its ClientId and token.
struct Device {
    /// `emqttd_<symbols>`.
    id: String,
    /// The session token.
    token: Arc<str>,
}

impl Device {
    fn caller(&self) -> Caller {
        Caller {
            client_id: self.id.clone(),
            logged_in: true,
            token: Some(self.token.clone()),
        }
    }
}

impl World {
    /// Registers and verifies `reg_<symbols>` on [`PHONE`].
    async fn login(&self, symbols: &str) -> Device {
        let caller = Caller {
            client_id: format!("reg_{symbols}"),
            logged_in: false,
            token: None,
        };
        let reg = AuthRequest::Reg(Reg {
            phone: Phone::parse(PHONE).unwrap(),
            dev_key: None,
            services: Vec::new(),
            comments: None,
        });
        let call = AuthCall {
            caller: caller.clone(),
            req: reg,
        };
        let answer = self.auth.send(call).await.unwrap();
        assert_eq!(answer.result, Ok(AuthOk::SmsSent));
        let token = answer.issued.expect("a token");
        let verify = AuthRequest::Verify(Verify {
            token: token.clone(),
            phone: PhoneSlot::Absent,
            dev_key: None,
            proof: Some(Proof::new("903182".into())),
        });
        let call = AuthCall {
            caller,
            req: verify,
        };
        let answer = self.auth.send(call).await.unwrap();
        let Ok(AuthOk::Verified { client_id }) = answer.result else {
            panic!("verify: {answer:?}");
        };
        Device {
            id: client_id,
            token: token.expose().into(),
        }
    }

    /// A `get` through the ProfileActor (which fills its cache on a miss).
    async fn get(&self, device: &Device) -> ProfileOk {
        let call = ProfileCall {
            caller: device.caller(),
            req: ProfileRequest::Get(Get {
                phone: PhoneSlot::Absent,
            }),
        };
        self.profile.send(call).await.unwrap().result.unwrap()
    }

    /// Whether a router would answer `device`'s `get` from the cache.
    fn hit(&self, device: &Device) -> bool {
        let get = Get {
            phone: PhoneSlot::Absent,
        };
        let answer = self.cached.answer(&device.id, Some(&device.token), &get);
        answer.is_some()
    }
}

#[actix_rt::test]
async fn the_view_reads_and_only_the_actor_fills() {
    let w = world();
    let a = w.login("a").await;
    assert!(!w.hit(&a));
    assert!(!w.hit(&a), "looking up never fills");
    assert!(matches!(w.get(&a).await, ProfileOk::Shown(v) if v.phone == PHONE));
    assert!(w.hit(&a), "the actor's read filled its cache");
    w.store.close();
}

#[actix_rt::test]
async fn a_login_on_the_phone_is_forgotten_before_auth_replies() {
    let w = world();
    let a = w.login("a").await;
    w.get(&a).await;
    assert!(w.hit(&a));
    // Another device logs in on the same phone: the presence and sessions a's cached
    // answer holds are out of date, and gone by the time verify answers.
    let b = w.login("b").await;
    assert!(!w.hit(&a));
    w.get(&a).await;
    w.get(&b).await;
    assert!(w.hit(&a) && w.hit(&b));
    w.store.close();
}

#[actix_rt::test]
async fn a_logout_is_forgotten_before_auth_replies() {
    let w = world();
    let a = w.login("a").await;
    let b = w.login("b").await;
    w.get(&a).await;
    w.get(&b).await;
    let logout = AuthCall {
        caller: b.caller(),
        req: AuthRequest::Logout(Logout {
            client_id: Some(a.id.clone()),
        }),
    };
    let answer = w.auth.send(logout).await.unwrap();
    assert_eq!(answer.result, Ok(AuthOk::Logout));
    assert!(
        !w.hit(&a) && !w.hit(&b),
        "every entry of the phone is forgotten"
    );
    w.store.close();
}

#[actix_rt::test]
async fn sessions_changed_forgets_that_phone_only() {
    let w = world();
    let a = w.login("a").await;
    w.get(&a).await;
    let other = SessionsChanged {
        phones: vec!["99900000002".into()],
    };
    w.profile.send(other).await.unwrap();
    assert!(w.hit(&a));
    let mine = SessionsChanged {
        phones: vec![PHONE.into()],
    };
    w.profile.send(mine).await.unwrap();
    assert!(!w.hit(&a));
    w.store.close();
}
