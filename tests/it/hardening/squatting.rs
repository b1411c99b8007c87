//! ClientId squatting (docs/protocol.md 3.4.4): whoever learns a device's symbols
//! `<s>` can register `reg_<s>` with a phone of their own. Verifying it must not
//! replace the device's logged-in session `emqttd_<s>`: another phone's verify is
//! answered `{error,mismatch_user_data}` and changes nothing; the same phone's still
//! replaces it.

use eetf::Term;

use crate::{
    auth::register,
    support::{
        etf::{ask, atom, pair, tail_token, Auth},
        harness::{Client, TestServer},
    },
};

const VICTIM: &str = "380507770101";
const ATTACKER: &str = "380507770202";

/// `reg` from `id` for `phone`, then `verify` with the code sent: the result.
async fn reg_and_verify(server: &TestServer, id: &str, phone: &str) -> (Client, Term) {
    let mut dev = server.reg(id).await;
    let (r, tail) = ask(&mut dev, Auth::phone(phone), "reg").await;
    assert_eq!(r, pair("ok", "sms_sent"), "{id} reg");
    let token = tail_token(&tail);
    let code = server.last_sms_code(phone);
    let (r, _) = ask(&mut dev, Auth::code(&token, &code), "verify").await;
    (dev, r)
}

#[tokio::test]
async fn another_phone_cannot_take_a_logged_in_client_id() {
    let server = TestServer::with(|c| c.auth.resend_cooldown_secs = 0);
    let (token, id) = register(&server, "emqttd_reg_squat1", VICTIM).await;
    assert_eq!(id, "emqttd_squat1");
    let mut victim = server.login(&id, &token).await;

    // The attacker knows the symbols and registers them with its own phone.
    for squat in ["reg_squat1", "emqttd_reg_squat1"] {
        let (_attacker, r) = reg_and_verify(&server, squat, ATTACKER).await;
        assert_eq!(r, pair("error", "mismatch_user_data"), "{squat}");
    }

    // The victim is still logged in: its connection answers, its token logs in.
    let login = Auth {
        token: Some(&token),
        phone: Some(VICTIM),
        ..Default::default()
    };
    let (r, _) = ask(&mut victim, login.clone(), "login").await;
    assert_eq!(r, pair("ok", "login"));
    let mut other = server.reg("emqttd_reg_squatcheck").await;
    let (r, _) = ask(&mut other, login, "login").await;
    assert_eq!(r, pair("ok", "login"));
    drop(other);

    // The victim's own phone re-verifying from reg_<s> still replaces the session
    // (a reinstalled app), and closes the old connection.
    let (_again, r) = reg_and_verify(&server, "reg_squat1", VICTIM).await;
    assert!(
        matches!(r, Term::Tuple(ref t) if t.elements[0] == atom("ok2")),
        "{r}"
    );
    victim.closed().await;
}
