//! `<symbols>` may not begin with `reg_`: `emqttd_reg_reg_x` would log in as
//! `emqttd_reg_x`, a registering id, and knock out the device registering as it.

use rumqttc::ConnectReturnCode;

use crate::support::harness::TestServer;

#[tokio::test]
async fn symbols_beginning_with_reg_get_connack_2_and_the_victim_stays() {
    let server = TestServer::start();
    // The victim registers as `emqttd_reg_x`; `reg_x` is its other spelling.
    let mut victim = server.reg("emqttd_reg_x").await;
    let mut other = server.reg("reg_x").await;
    for id in [
        "emqttd_reg_reg_x",
        "reg_reg_x",
        "reg_reg_reg_x",
        "emqttd_reg_reg_",
    ] {
        let code = server.refused(server.options(id)).await;
        assert_eq!(code, ConnectReturnCode::BadClientId, "{id}");
    }
    // Neither registering device was knocked out: both still get answers.
    let unknown = crate::support::harness::unknown_request();
    assert!(!victim.request(unknown.clone()).await.is_empty());
    assert!(!other.request(unknown).await.is_empty());
}
