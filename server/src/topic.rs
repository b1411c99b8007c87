//! Topics (docs/protocol.md §1.3): requests under `events/`, replies on `actions/1/api/<ClientId>`.

use crate::client_id::ClientId;

/// What a PUBLISH topic means to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishTarget {
    /// Anything under `events/`: a request for the router.
    Event,
    /// Anything else: acknowledged and dropped.
    Elsewhere,
}

/// Classifies a client's PUBLISH topic. The ClientId and token written in an events
/// topic are never trusted: the session's own identity is used instead.
pub fn classify_publish(topic: &str) -> PublishTarget {
    if topic.starts_with("events/") {
        PublishTarget::Event
    } else {
        PublishTarget::Elsewhere
    }
}

/// The subscription ACL: a client may subscribe to its own actions topic only.
pub fn may_subscribe(client: &ClientId, filter: &str) -> bool {
    filter
        .strip_prefix("actions/1/api/")
        .is_some_and(|rest| rest == client.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_routed_anything_else_dropped() {
        assert_eq!(
            classify_publish("events/1//api/anon/emqttd_reg_a/tok"),
            PublishTarget::Event
        );
        assert_eq!(classify_publish("events/x"), PublishTarget::Event);
        assert_eq!(classify_publish("event/x"), PublishTarget::Elsewhere);
        assert_eq!(
            classify_publish("actions/1/api/emqttd_a"),
            PublishTarget::Elsewhere
        );
    }

    #[test]
    fn only_own_actions_topic() {
        let me = ClientId::parse("emqttd_reg_me").unwrap();
        assert!(may_subscribe(&me, "actions/1/api/emqttd_reg_me"));
        for f in [
            "actions/1/api/emqttd_reg_other",
            "actions/1/api/+",
            "actions/#",
            "#",
            "actions/1/api/emqttd_reg_me/#",
            "events/1//api/anon/emqttd_reg_me/x",
        ] {
            assert!(!may_subscribe(&me, f), "{f}");
        }
    }
}
