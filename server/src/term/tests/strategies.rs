//! proptest strategies for canonical requests and for replies.

use proptest::prelude::*;
use proptest::{collection::vec, option, sample::select};

use crate::term::{
    AuthRecord, AuthSlots, AuthType, IoResult, Os, ProfileRecord, ProfileSlots, ProfileStatus,
    Reply, RosterRecord, RosterSlots, Tail,
};

pub fn opt_text() -> impl Strategy<Value = Option<String>> {
    option::of("\\PC{1,12}")
}

pub fn phone() -> impl Strategy<Value = Option<String>> {
    option::of("[0-9]{1,15}")
}

pub fn nonzero() -> impl Strategy<Value = Option<i64>> {
    option::of(any::<i64>().prop_filter("0 is absent", |v| *v != 0))
}

pub fn name() -> impl Strategy<Value = String> {
    "[a-zé_]{1,10}"
}

pub fn auth_request() -> impl Strategy<Value = AuthSlots> {
    let head = (
        opt_text(),
        opt_text(),
        option::of("[a-z0-9]{1,10}"),
        phone(),
        opt_text(),
        select(AuthType::ALL.to_vec()),
        opt_text(),
    );
    let tail = (
        nonzero(),
        vec(name(), 0..3),
        opt_text(),
        opt_text(),
        option::of(select(Os::ALL.to_vec())),
        nonzero(),
        nonzero(),
    );
    (head, tail).prop_map(|(h, t)| AuthSlots {
        token: h.0,
        dev_key: h.1,
        user_id: h.2,
        phone: h.3,
        client_id: h.4,
        kind: h.5,
        sms_code: h.6,
        attempts: t.0,
        services: t.1,
        push: t.2,
        comments: t.3,
        os: t.4,
        created: t.5,
        last_online: t.6,
    })
}

pub fn roster_entry() -> impl Strategy<Value = RosterSlots> {
    let bare = any::<i64>().prop_map(|id| RosterSlots {
        id: Some(id),
        ..RosterSlots::default()
    });
    let full = (
        nonzero(),
        opt_text(),
        opt_text(),
        phone(),
        opt_text(),
        nonzero(),
        option::of("[a-z]{1,8}"),
    )
        .prop_map(
            |(id, names, surnames, phone, avatar, update, status)| RosterSlots {
                id,
                names,
                surnames,
                phone,
                avatar,
                update,
                status,
            },
        );
    prop_oneof![bare, full]
}

pub fn profile_request() -> impl Strategy<Value = ProfileSlots> {
    (
        phone(),
        option::of(vec(any::<u8>(), 1..20)),
        opt_text(),
        vec(roster_entry(), 0..4),
        nonzero(),
        option::of("[a-z]{1,8}"),
        select(ProfileStatus::ALL.to_vec()),
    )
        .prop_map(
            |(phone, data, person_id, accounts, update, presence, status)| ProfileSlots {
                phone,
                data,
                person_id,
                accounts,
                update,
                presence,
                status,
            },
        )
}

pub fn atom_name() -> impl Strategy<Value = &'static str> {
    select(vec![
        "sms_sent",
        "login",
        "invalid_data",
        "online",
        "offline",
        "update",
        "get",
        "remove",
    ])
}

pub fn auth_record() -> impl Strategy<Value = AuthRecord> {
    (auth_request(), any::<i64>()).prop_map(|(r, attempts)| AuthRecord {
        token: r.token,
        dev_key: r.dev_key,
        user_id: r.user_id,
        phone: r.phone,
        client_id: r.client_id,
        kind: r.kind,
        sms_code: r.sms_code,
        attempts,
        services: r.services,
        push: r.push,
        comments: r.comments,
        os: r.os,
        created: r.created,
        last_online: r.last_online,
    })
}

pub fn roster_record() -> impl Strategy<Value = RosterRecord> {
    (
        any::<i64>(),
        opt_text(),
        opt_text(),
        any::<i64>(),
        phone(),
        opt_text(),
        any::<i64>(),
        option::of(atom_name()),
    )
        .prop_map(
            |(id, names, surnames, size, phone, avatar, update, status)| RosterRecord {
                id,
                names,
                surnames,
                size,
                phone,
                avatar,
                update,
                status,
            },
        )
}

pub fn reply() -> impl Strategy<Value = Reply> {
    let result = prop_oneof![
        atom_name().prop_map(IoResult::Ok),
        atom_name().prop_map(IoResult::Error),
        "[a-z_]{1,20}".prop_map(|client_id| IoResult::Ok2Login { client_id }),
        Just(IoResult::Empty),
    ];
    let tail = prop_oneof![Just(Tail::Empty), "\\PC{0,40}".prop_map(Tail::Auth)];
    let profile = (
        "[0-9]{1,15}",
        vec(any::<u8>(), 0..40),
        opt_text(),
        vec(roster_record(), 0..4),
        any::<i64>(),
        atom_name(),
        atom_name(),
    )
        .prop_map(
            |(phone, data, person_id, accounts, update, presence, status)| ProfileRecord {
                phone,
                data,
                person_id,
                accounts,
                update,
                presence,
                status,
            },
        );
    prop_oneof![
        (result, tail).prop_map(|(result, tail)| Reply::Io { result, tail }),
        auth_record().prop_map(Reply::Auth),
        profile.prop_map(Reply::Profile),
    ]
}
