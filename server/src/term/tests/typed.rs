//! Records to typed requests: each kind's parser takes what its kind uses, validated,
//! and refuses at the edge exactly the fields the domain refused before.

use roster_actors::{
    auth::{AuthError, AuthRequest, Login, Logout, Proof, Push, Reg, Resend, Verify, Voice},
    channel::Lang,
    phone::{Phone, PhoneSlot},
    profile::{
        AccountChange, Change, Confirm, Email, EmailAddress, Get, Migration, ProfileRequest,
        Remove, Update,
    },
    secret::{Code, Token},
};

use super::support::{auth, profile, s, vector};
use crate::term::{
    auth::typed as auth_typed, decode, profile::typed as profile_typed, AuthSlots, AuthTuple,
    AuthType, Limits, Os, ProfileSlots, ProfileStatus, Request, RosterSlots,
};

fn phone(p: &str) -> Phone {
    Phone::parse(p).unwrap()
}

fn typed(slots: AuthSlots) -> Result<AuthRequest, AuthError> {
    auth_typed(slots).request
}

#[test]
fn every_kind_keeps_its_kind_and_its_token_for_the_echo() {
    for kind in AuthType::ALL {
        let slots = AuthSlots {
            token: s("tok"),
            phone: s("380001122"),
            push: s("p"),
            ..auth(kind)
        };
        let t = auth_typed(slots);
        assert_eq!((t.kind, t.token.as_deref()), (kind, Some("tok")));
        assert_eq!(t.request.map(|r| r.kind()), Ok(kind));
        // Without a token, the echo is empty and the kind still known.
        let bare = auth_typed(auth(kind));
        assert_eq!((bare.kind, bare.token), (kind, None));
    }
}

#[test]
fn reg_takes_a_phone_or_is_invalid_phone() {
    let slots = AuthSlots {
        token: s("old"),
        phone: s("380001122"),
        dev_key: s("DEV"),
        services: vec!["jwt".into()],
        comments: s("hi"),
        sms_code: s("ignored"),
        ..auth(AuthType::Reg)
    };
    assert_eq!(
        typed(slots),
        Ok(AuthRequest::Reg(Reg {
            phone: phone("380001122"),
            dev_key: s("DEV"),
            services: vec!["jwt".into()],
            comments: s("hi"),
        }))
    );
    // The slot reader already dropped one `+` (see auth_slots.rs).
    for bad in [
        None,
        s(""),
        s("12345"),
        s("phone"),
        s("38050123456789012"),
        s("12-34"),
    ] {
        let slots = AuthSlots {
            phone: bad.clone(),
            ..auth(AuthType::Reg)
        };
        assert_eq!(typed(slots), Err(AuthError::InvalidPhone), "{bad:?}");
    }
}

#[test]
fn requests_for_a_session_need_its_token() {
    for kind in [
        AuthType::Resend,
        AuthType::Voice,
        AuthType::Verify,
        AuthType::Login,
    ] {
        assert_eq!(
            typed(auth(kind)),
            Err(AuthError::SessionNotFound),
            "{kind:?}"
        );
    }
    let tok = || Token::from_client("tok");
    let with = |kind, services: Vec<String>| AuthSlots {
        token: s("tok"),
        services,
        ..auth(kind)
    };
    assert_eq!(
        typed(with(AuthType::Resend, vec![])),
        Ok(AuthRequest::Resend(Resend { token: tok() }))
    );
    for (services, lang) in [
        (vec![], Lang::En),
        (vec!["jwt".into(), "it".into(), "ua".into()], Lang::It),
        (vec!["ua".into()], Lang::Ua),
        (vec!["fr".into()], Lang::En),
    ] {
        assert_eq!(
            typed(with(AuthType::Voice, services)),
            Ok(AuthRequest::Voice(Voice { token: tok(), lang }))
        );
    }
}

#[test]
fn verify_and_login_carry_what_the_session_checks() {
    let slots = |kind, phone: Option<String>| AuthSlots {
        token: s("tok"),
        phone,
        dev_key: s("DEV"),
        user_id: s("42"),
        sms_code: s(" 123456 "),
        ..auth(kind)
    };
    assert_eq!(
        typed(slots(AuthType::Verify, s("380001122"))),
        Ok(AuthRequest::Verify(Verify {
            token: Token::from_client("tok"),
            phone: PhoneSlot::Phone(phone("380001122")),
            dev_key: s("DEV"),
            proof: Some(Proof::new(" 123456 ".into())),
        }))
    );
    // A phone that is no phone goes on, for the session to refuse (after its own
    // checks): mismatch_user_data, as before.
    assert_eq!(
        typed(slots(AuthType::Login, s("junk"))),
        Ok(AuthRequest::Login(Login {
            token: Token::from_client("tok"),
            dev_key: s("DEV"),
            user_id: s("42"),
            phone: PhoneSlot::NotAPhone,
        }))
    );
    let Ok(AuthRequest::Verify(v)) = typed(slots(AuthType::Verify, None)) else {
        panic!("a verify");
    };
    assert_eq!(v.phone, PhoneSlot::Absent);
}

#[test]
fn push_needs_a_push_token_logout_and_list_need_nothing() {
    assert_eq!(
        typed(auth(AuthType::Push)),
        Err(AuthError::MismatchUserData)
    );
    let push = AuthSlots {
        push: s("apns"),
        os: Some(Os::Ios),
        ..auth(AuthType::Push)
    };
    assert_eq!(
        typed(push),
        Ok(AuthRequest::Push(Push {
            push: "apns".into(),
            os: Some(Os::Ios),
        }))
    );
    let logout = AuthSlots {
        client_id: s("emqttd_b"),
        ..auth(AuthType::Logout)
    };
    assert_eq!(
        typed(logout),
        Ok(AuthRequest::Logout(Logout {
            client_id: s("emqttd_b"),
        }))
    );
    assert_eq!(
        typed(auth(AuthType::Logout)),
        Ok(AuthRequest::Logout(Logout { client_id: None }))
    );
    assert_eq!(typed(auth(AuthType::List)), Ok(AuthRequest::List));
}

#[test]
fn debug_of_a_tuple_shows_no_secret() {
    let t = auth_typed(AuthSlots {
        token: s("tok-secret"),
        sms_code: s("654321"),
        phone: s("380001122"),
        ..auth(AuthType::Verify)
    });
    let shown = format!("{:?}", Request::Auth(t));
    for secret in ["tok-secret", "654321", "380001122"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn profile_statuses_make_their_variants() {
    let own = || PhoneSlot::Phone(phone("380001122"));
    let slots = |status| ProfileSlots {
        phone: s("380001122"),
        data: Some(b"ann@example.org".to_vec()),
        person_id: s("ignored"),
        accounts: vec![
            RosterSlots {
                id: Some(7),
                names: s("Ann"),
                phone: s("ignored"),
                update: Some(5),
                status: s("remove"),
                ..RosterSlots::default()
            },
            RosterSlots {
                surnames: s("Lee"),
                avatar: s("a.png"),
                status: s("other"),
                ..RosterSlots::default()
            },
        ],
        update: Some(99),
        presence: s("online"),
        ..profile(status)
    };
    let change = Change {
        phone: own(),
        data: Some(b"ann@example.org".to_vec()),
        accounts: vec![
            AccountChange {
                id: Some(7),
                names: s("Ann"),
                remove: true,
                ..AccountChange::default()
            },
            AccountChange {
                surnames: s("Lee"),
                avatar: s("a.png"),
                ..AccountChange::default()
            },
        ],
    };
    let cases = [
        (
            ProfileStatus::Get,
            ProfileRequest::Get(Get { phone: own() }),
        ),
        (ProfileStatus::Set, ProfileRequest::Set(change.clone())),
        (
            ProfileStatus::Update,
            ProfileRequest::Update(Update {
                change,
                update: Some(99),
            }),
        ),
        (
            ProfileStatus::Remove,
            ProfileRequest::Remove(Remove { phone: own() }),
        ),
        (
            ProfileStatus::Email,
            ProfileRequest::Email(Email {
                phone: own(),
                address: EmailAddress::parse(b"ann@example.org".to_vec()),
            }),
        ),
        (
            ProfileStatus::Migration,
            ProfileRequest::Migration(Migration {
                to: Some(phone("380001122")),
            }),
        ),
        (
            ProfileStatus::Confirm,
            ProfileRequest::Confirm(Confirm {
                to: Some(phone("380001122")),
                code: Some(Code::from_text("ann@example.org")),
            }),
        ),
    ];
    for (status, want) in cases {
        assert_eq!(profile_typed(slots(status)), want, "{status:?}");
    }
}

#[test]
fn profile_fields_that_are_no_good_go_on_as_none_given() {
    let with = |status, phone: Option<String>, data: Option<&[u8]>| ProfileSlots {
        phone,
        data: data.map(<[u8]>::to_vec),
        ..profile(status)
    };
    // A phone slot that is no phone fits no caller: not_authorized in the domain.
    assert_eq!(
        profile_typed(with(ProfileStatus::Get, s("junk"), None)),
        ProfileRequest::Get(Get {
            phone: PhoneSlot::NotAPhone
        })
    );
    assert_eq!(
        profile_typed(with(ProfileStatus::Email, None, Some(b"not an email"))),
        ProfileRequest::Email(Email {
            phone: PhoneSlot::Absent,
            address: None,
        })
    );
    assert_eq!(
        profile_typed(with(ProfileStatus::Email, None, Some(b"  a@b.cd "))),
        ProfileRequest::Email(Email {
            phone: PhoneSlot::Absent,
            address: EmailAddress::parse(b"a@b.cd".to_vec()),
        })
    );
    for to in [None, s("12-34")] {
        assert_eq!(
            profile_typed(with(ProfileStatus::Migration, to, None)),
            ProfileRequest::Migration(Migration { to: None })
        );
    }
    assert_eq!(
        profile_typed(with(ProfileStatus::Confirm, s("12"), Some(b"\xff\xfe"))),
        ProfileRequest::Confirm(Confirm {
            to: None,
            code: None
        })
    );
}

#[test]
fn erlang_vectors_decode_to_typed_requests() {
    let decoded = |name| decode(vector(name), &Limits::default()).unwrap();
    let Request::Auth(AuthTuple {
        kind: AuthType::Reg,
        token: None,
        request: Ok(AuthRequest::Reg(reg)),
    }) = decoded("auth_10_reg")
    else {
        panic!("auth_10_reg");
    };
    assert_eq!(reg.phone, phone("380001122"));
    let Request::Auth(AuthTuple {
        token,
        request: Ok(AuthRequest::Verify(v)),
        ..
    }) = decoded("auth_15_verify")
    else {
        panic!("auth_15_verify");
    };
    assert_eq!(token.as_deref(), Some("tok-15"));
    assert_eq!(v.proof, Some(Proof::new("123456".into())));
    assert_eq!(v.dev_key.as_deref(), Some("NEXUS1"));
    assert_eq!(
        decoded("profile_6_get"),
        Request::Profile(ProfileRequest::Get(Get {
            phone: PhoneSlot::Absent
        }))
    );
    assert!(matches!(
        decoded("profile_8_migrate"),
        Request::Profile(ProfileRequest::Migration(Migration { to: Some(_) }))
    ));
}
