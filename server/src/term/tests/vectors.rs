//! Payloads made by Erlang/OTP (`vectors/make_vectors.escript`) read to the
//! expected records, slot by slot (`typed.rs` checks what requests they make).

use super::support::{auth, profile, s, vector, VECTORS};
use crate::term::{
    read, AuthSlots, AuthType, InvalidData, Limits, Os, ProfileStatus, Record, RosterSlots,
};

fn ok(name: &str) -> Record {
    read(vector(name), &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn bad(name: &str) -> InvalidData {
    match read(vector(name), &Limits::default()) {
        Ok(r) => panic!("{name} decoded to {r:?}"),
        Err(e) => e,
    }
}

fn full() -> AuthSlots {
    AuthSlots {
        token: s("tok-15"),
        dev_key: s("NEXUS1"),
        user_id: s("42"),
        phone: s("380001122"),
        client_id: s("emqttd_reg_abc"),
        sms_code: s("123456"),
        attempts: Some(3),
        services: vec!["jwt".into()],
        push: s("fcm-token"),
        comments: s("héllo"),
        os: Some(Os::Web),
        created: Some(1_700_000_000_000),
        last_online: Some(1_700_000_000_123),
        ..auth(AuthType::Verify)
    }
}

fn reg_jwt() -> Record {
    Record::Auth(AuthSlots {
        phone: s("380001122"),
        services: vec!["jwt".into()],
        ..auth(AuthType::Reg)
    })
}

#[test]
fn every_vector_file_is_checked() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/term/vectors");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".bin").map(str::to_owned))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = VECTORS.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn auth_every_arity() {
    let phone_only = AuthSlots {
        phone: s("380001122"),
        ..auth(AuthType::Reg)
    };
    assert_eq!(ok("auth_10_reg"), Record::Auth(phone_only));
    let voice = AuthSlots {
        token: s("tok-11"),
        services: vec!["ua".into()],
        ..auth(AuthType::Voice)
    };
    assert_eq!(ok("auth_11_voice"), Record::Auth(voice));
    assert_eq!(ok("auth_12_reg_jwt"), reg_jwt());
    let push = AuthSlots {
        token: s("tok-13"),
        push: s("apns-token"),
        os: Some(Os::Ios),
        ..auth(AuthType::Push)
    };
    assert_eq!(ok("auth_13_push"), Record::Auth(push));
    let login = AuthSlots {
        token: s("tok-14"),
        dev_key: s("APPLE1"),
        user_id: s("emqttd_1"),
        phone: s("380001122"),
        comments: s("note"),
        os: Some(Os::Android),
        created: Some(1_700_000_000_000),
        ..auth(AuthType::Login)
    };
    assert_eq!(ok("auth_14_login"), Record::Auth(login));
    assert_eq!(ok("auth_15_verify"), Record::Auth(full()));
}

#[test]
fn auth_every_atom_encoding() {
    let v = |name: &str| vector(name).to_vec();
    assert_eq!(v("auth_15_verify")[3], 100, "ATOM_EXT");
    assert_eq!(v("auth_15_atoms_119")[3], 119);
    assert_eq!(v("auth_atoms_115")[3], 115);
    assert_eq!(v("auth_atoms_118")[3], 118);
    assert_eq!(v("auth_atoms_100")[3], 100);
    assert_eq!(ok("auth_15_atoms_119"), Record::Auth(full()));
    assert_eq!(ok("auth_12_otp_default"), reg_jwt());
    let with = |service: &str| {
        Record::Auth(AuthSlots {
            services: vec!["jwt".into(), service.into()],
            ..full()
        })
    };
    assert_eq!(ok("auth_atoms_115"), with("café"));
    assert_eq!(ok("auth_atoms_100"), with("café"));
    assert_eq!(ok("auth_atoms_118"), with("сервіс"));
}

#[test]
fn auth_charlists() {
    assert!(vector("auth_charlists").windows(2).any(|w| w == [107, 0]));
    let cl = AuthSlots {
        token: s("tok-cl"),
        dev_key: s("dev"),
        phone: s("380001122"),
        comments: s("тест"),
        os: Some(Os::Ios),
        ..auth(AuthType::Resend)
    };
    assert_eq!(ok("auth_charlists"), Record::Auth(cl));
    let small = AuthSlots {
        token: s("tok-si"),
        phone: s("380001122"),
        ..auth(AuthType::Login)
    };
    assert_eq!(vector("auth_charlist_small_ints")[9], 108, "LIST_EXT token");
    assert_eq!(ok("auth_charlist_small_ints"), Record::Auth(small));
}

#[test]
fn auth_integers_and_absent_forms() {
    let ints = AuthSlots {
        token: s("tok-int"),
        user_id: s("70000"),
        attempts: Some(300),
        created: Some(2_147_483_648),
        last_online: Some(-5),
        ..auth(AuthType::Verify)
    };
    assert_eq!(ok("auth_integers"), Record::Auth(ints));
    let small = AuthSlots {
        token: s("tok-s"),
        user_id: s("7"),
        attempts: Some(5),
        created: Some(255),
        last_online: Some(1),
        ..auth(AuthType::Verify)
    };
    assert_eq!(ok("auth_small_ints"), Record::Auth(small));
    assert_eq!(ok("auth_absent_forms"), Record::Auth(auth(AuthType::List)));
}

#[test]
fn compressed_terms() {
    assert_eq!(vector("auth_compressed")[1], 80);
    let comments = "compress me ".repeat(40);
    let expected = AuthSlots {
        comments: Some(comments),
        ..full()
    };
    assert_eq!(ok("auth_compressed"), Record::Auth(expected));
    assert_eq!(vector("profile_compressed")[1], 80);
    let set = crate::term::ProfileSlots {
        data: Some(b"data".repeat(500)),
        ..profile(ProfileStatus::Set)
    };
    assert_eq!(ok("profile_compressed"), Record::Profile(set));
    let tight = Limits {
        max_decompressed_bytes: 100,
        ..Limits::default()
    };
    assert!(read(vector("profile_compressed"), &tight).is_err());
}

#[test]
fn profile_every_arity() {
    assert_eq!(
        ok("profile_6_get"),
        Record::Profile(profile(ProfileStatus::Get))
    );
    let update = crate::term::ProfileSlots {
        phone: s("380001122"),
        update: Some(1_700_000_000_000),
        ..profile(ProfileStatus::Update)
    };
    assert_eq!(ok("profile_7_update"), Record::Profile(update));
    let set = crate::term::ProfileSlots {
        data: Some(b"opaque\x00\xff".to_vec()),
        person_id: s("person-1"),
        accounts: vec![
            RosterSlots {
                id: Some(1),
                names: s("Ann"),
                surnames: s("Lee"),
                phone: s("380001122"),
                avatar: s("http://a/1.png"),
                update: Some(1_700_000_000_000),
                status: None,
            },
            RosterSlots {
                names: s("Новий"),
                ..RosterSlots::default()
            },
            RosterSlots {
                id: Some(7),
                status: s("remove"),
                ..RosterSlots::default()
            },
        ],
        update: Some(1_700_000_000_000),
        presence: s("online"),
        ..profile(ProfileStatus::Set)
    };
    assert_eq!(ok("profile_8_set"), Record::Profile(set));
}

#[test]
fn profile_accounts_ids_and_other_statuses() {
    let ids = |values: &[i64]| {
        values
            .iter()
            .map(|&id| RosterSlots {
                id: Some(id),
                ..RosterSlots::default()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(vector("profile_8_ids_string_ext")[16], 107);
    let Record::Profile(p) = ok("profile_8_ids_string_ext") else {
        panic!("not a profile")
    };
    assert_eq!(p.accounts, ids(&[1, 2]));
    let Record::Profile(p) = ok("profile_8_ids_list") else {
        panic!("not a profile")
    };
    assert_eq!(p.accounts, ids(&[1, 300, 5_000_000_000]));
    let migrate = crate::term::ProfileSlots {
        phone: s("380009999"),
        ..profile(ProfileStatus::Migration)
    };
    assert_eq!(ok("profile_8_migrate"), Record::Profile(migrate));
    let email = crate::term::ProfileSlots {
        data: Some(b"a@b.c".to_vec()),
        ..profile(ProfileStatus::Email)
    };
    assert_eq!(ok("profile_8_email_charlist"), Record::Profile(email));
    let confirm = crate::term::ProfileSlots {
        phone: s("380009999"),
        data: Some(b"903182".to_vec()),
        ..profile(ProfileStatus::Confirm)
    };
    assert_eq!(ok("profile_7_confirm_atoms_115"), Record::Profile(confirm));
}

#[test]
fn refused_vectors_say_why_and_keep_the_auth_token() {
    let e = bad("bad_unknown_record");
    assert_eq!((e.reason.as_str(), e.auth_token), ("unknown record", None));
    let e = bad("bad_auth_type");
    assert!(e.reason.contains("Auth.type"), "{}", e.reason);
    assert_eq!(e.auth_token.as_deref(), Some("tok-bad"));
    let e = bad("bad_auth_arity");
    assert!(e.reason.contains("10 to 15"), "{}", e.reason);
    assert_eq!(e.auth_token.as_deref(), Some("tok-9"));
    let e = bad("bad_auth_float");
    assert!(e.reason.contains("Auth.attempts"), "{}", e.reason);
    assert_eq!(e.auth_token.as_deref(), Some("tok-f"));
    let e = bad("bad_profile_status");
    assert!(e.reason.contains("Profile.status"), "{}", e.reason);
    assert_eq!(e.auth_token, None);
}
