//! docs/protocol.md §1 through rumqttc: ClientId rules, the subscription ACL, QoS acknowledgements,
//! the reply path, keep-alive and takeover.

use rumqttc::{ConnectReturnCode, Packet, QoS, SubscribeReasonCode};

use crate::support::harness::{events_topic, invalid_data_term, term, unknown_request, TestServer};

#[tokio::test]
async fn registering_ids_connect_anonymously() {
    let server = TestServer::start();
    for id in ["emqttd_reg_a1", "reg_B-2_c"] {
        let c = server.reg(id).await;
        assert!(!c.session_present, "{id}: a reg session is never persisted");
    }
}

#[tokio::test]
async fn ids_outside_the_rules_get_connack_2() {
    let server = TestServer::start();
    let long = format!("emqttd_{}", "x".repeat(129));
    for id in [
        "plain",
        "mqttjs_123",
        "emqttd_",
        "reg_",
        "emqttd_a.b",
        long.as_str(),
    ] {
        let code = server.refused(server.options(id)).await;
        assert_eq!(code, ConnectReturnCode::BadClientId, "{id}");
    }
}

#[tokio::test]
async fn logged_in_id_without_a_valid_token_is_refused() {
    let server = TestServer::start();
    let code = server.refused(server.options("emqttd_dev1")).await;
    assert!(
        matches!(
            code,
            ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized
        ),
        "{code:?}"
    );
    let mut opts = server.options("emqttd_dev1");
    opts.set_credentials("anyone", "0123456789abcdef0123456789abcdef");
    let code = server.refused(opts).await;
    assert!(
        matches!(
            code,
            ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized
        ),
        "{code:?}"
    );
}

#[tokio::test]
async fn only_the_own_actions_topic_may_be_subscribed() {
    let server = TestServer::start();
    let mut c = server.reg("emqttd_reg_sub1").await;
    let filters = [
        ("actions/1/api/emqttd_reg_sub1", true),
        ("actions/1/api/emqttd_reg_other", false),
        ("actions/1/api/+", false),
        ("#", false),
        ("events/1//api/anon/emqttd_reg_sub1/x", false),
    ];
    for (filter, allowed) in filters {
        c.client.subscribe(filter, QoS::AtLeastOnce).await.unwrap();
        let codes = c
            .wait_for(|p| match p {
                Packet::SubAck(a) => Some(a.return_codes.clone()),
                _ => None,
            })
            .await;
        let expected = if allowed {
            SubscribeReasonCode::Success(QoS::AtLeastOnce)
        } else {
            SubscribeReasonCode::Failure
        };
        assert_eq!(codes, vec![expected], "{filter}");
    }
}

#[tokio::test]
async fn publishes_are_acknowledged_and_answered_at_each_qos() {
    let server = TestServer::start();
    let id = "emqttd_reg_qos";
    let mut c = server.reg(id).await;
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        c.client
            .publish(events_topic(id), qos, false, unknown_request())
            .await
            .unwrap();
        // rumqttc reports the acknowledgements it received for our publish; the reply
        // may arrive before or among them.
        let (mut puback, mut pubrec, mut pubcomp, mut reply) = (false, false, false, None);
        let done = |a: bool, r: bool, c: bool| match qos {
            QoS::AtMostOnce => true,
            QoS::AtLeastOnce => a,
            QoS::ExactlyOnce => r && c,
        };
        while !(done(puback, pubrec, pubcomp) && reply.is_some()) {
            match c.wait_for(|p| Some(p.clone())).await {
                Packet::PubAck(_) => puback = true,
                Packet::PubRec(_) => pubrec = true,
                Packet::PubComp(_) => pubcomp = true,
                Packet::Publish(p) => reply = Some(p),
                _ => {}
            }
        }
        let reply = reply.unwrap();
        assert_eq!(reply.topic, format!("actions/1/api/{id}"));
        assert_eq!(reply.qos, qos, "reply QoS follows the request's");
        assert_eq!(term(&reply.payload), invalid_data_term());
    }
}

#[tokio::test]
async fn replies_never_reach_another_client() {
    let server = TestServer::start();
    let (a_id, b_id) = ("emqttd_reg_alice", "emqttd_reg_bob");
    let mut a = server.reg(a_id).await;
    let mut b = server.reg(b_id).await;
    b.client
        .subscribe(format!("actions/1/api/{a_id}"), QoS::AtLeastOnce)
        .await
        .unwrap();
    let codes = b
        .wait_for(|p| match p {
            Packet::SubAck(s) => Some(s.return_codes.clone()),
            _ => None,
        })
        .await;
    assert_eq!(codes, vec![SubscribeReasonCode::Failure]);
    a.client
        .publish(
            events_topic(a_id),
            QoS::AtLeastOnce,
            false,
            unknown_request(),
        )
        .await
        .unwrap();
    assert_eq!(
        a.next_publish().await.topic,
        format!("actions/1/api/{a_id}")
    );
    // Alice's reply has been delivered; Bob's own request is answered after it, so any
    // leak would have reached Bob first.
    b.client
        .publish(
            events_topic(b_id),
            QoS::AtLeastOnce,
            false,
            unknown_request(),
        )
        .await
        .unwrap();
    assert_eq!(
        b.next_publish().await.topic,
        format!("actions/1/api/{b_id}")
    );
}

#[tokio::test]
async fn the_topic_identity_is_ignored() {
    let server = TestServer::start();
    let mut a = server.reg("emqttd_reg_me").await;
    // Writing someone else's id into the events topic changes nothing: the reply goes
    // to the session's own actions topic.
    a.client
        .publish(
            events_topic("emqttd_reg_victim"),
            QoS::AtLeastOnce,
            false,
            unknown_request(),
        )
        .await
        .unwrap();
    assert_eq!(a.next_publish().await.topic, "actions/1/api/emqttd_reg_me");
}

#[tokio::test]
async fn publishes_outside_events_are_acknowledged_and_dropped() {
    let server = TestServer::start();
    let id = "emqttd_reg_else";
    let mut c = server.reg(id).await;
    c.client
        .publish("somewhere/else", QoS::AtLeastOnce, false, unknown_request())
        .await
        .unwrap();
    c.wait_for(|p| matches!(p, Packet::PubAck(_)).then_some(()))
        .await;
    // The next real request is answered, and it is the first publish to arrive.
    c.client
        .publish(events_topic(id), QoS::AtLeastOnce, false, unknown_request())
        .await
        .unwrap();
    let first = c.next_publish().await;
    assert_eq!(term(&first.payload), invalid_data_term());
}

#[tokio::test]
async fn takeover_closes_the_first_connection() {
    let server = TestServer::start();
    let mut first = server.reg("emqttd_reg_twin").await;
    let mut second = server.reg("emqttd_reg_twin").await;
    first.closed().await;
    // The second connection works.
    second
        .client
        .publish(
            events_topic("emqttd_reg_twin"),
            QoS::AtLeastOnce,
            false,
            unknown_request(),
        )
        .await
        .unwrap();
    assert_eq!(
        term(&second.next_publish().await.payload),
        invalid_data_term()
    );
}
