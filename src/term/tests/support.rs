//! Shared test helpers: empty requests to fill in, and the Erlang-made vectors.

use crate::term::{AuthRequest, AuthType, ProfileRequest, ProfileStatus};

/// An `'Auth'` request with every field absent.
pub fn auth(kind: AuthType) -> AuthRequest {
    AuthRequest {
        token: None,
        dev_key: None,
        user_id: None,
        phone: None,
        client_id: None,
        kind,
        sms_code: None,
        attempts: None,
        services: Vec::new(),
        push: None,
        comments: None,
        os: None,
        created: None,
        last_online: None,
    }
}

/// A `'Profile'` request with every field absent.
pub fn profile(status: ProfileStatus) -> ProfileRequest {
    ProfileRequest {
        phone: None,
        data: None,
        person_id: None,
        accounts: Vec::new(),
        update: None,
        presence: None,
        status,
    }
}

/// `Some(s.to_owned())`.
pub fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

macro_rules! vectors {
    ($($name:literal),* $(,)?) => {
        /// Every vector made by `vectors/make_vectors.escript`, by file stem.
        pub const VECTORS: &[(&str, &[u8])] = &[
            $(($name, include_bytes!(concat!("../vectors/", $name, ".bin")))),*
        ];
    };
}

vectors![
    "auth_10_reg",
    "auth_11_voice",
    "auth_12_reg_jwt",
    "auth_13_push",
    "auth_14_login",
    "auth_15_verify",
    "auth_15_atoms_119",
    "auth_12_otp_default",
    "auth_atoms_115",
    "auth_atoms_118",
    "auth_atoms_100",
    "auth_charlists",
    "auth_charlist_small_ints",
    "auth_integers",
    "auth_small_ints",
    "auth_absent_forms",
    "auth_compressed",
    "profile_6_get",
    "profile_7_update",
    "profile_8_set",
    "profile_8_ids_string_ext",
    "profile_8_ids_list",
    "profile_8_migrate",
    "profile_8_email_charlist",
    "profile_7_confirm_atoms_115",
    "profile_compressed",
    "bad_unknown_record",
    "bad_auth_type",
    "bad_auth_arity",
    "bad_auth_float",
    "bad_profile_status",
];

/// The bytes of one vector.
pub fn vector(name: &str) -> &'static [u8] {
    VECTORS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_else(|| panic!("no vector {name}"))
}
