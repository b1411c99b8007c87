//! The configuration on text: the shipped files parse to the defaults, each key's
//! checks, and errors that name the key or the file.

use super::*;

#[test]
fn shipped_config_toml_parses_to_the_defaults() {
    let shipped = Config::parse(include_str!("../../../config.toml")).expect("config.toml parses");
    let default = Config::default();
    assert_eq!(shipped.server.mqtt_listen, default.server.mqtt_listen);
    assert_eq!(shipped.server.max_packet_size, 262_144);
    assert_eq!(shipped.session.expiry_secs, 7200);
    let (s, d) = (&shipped.session, &default.session);
    assert_eq!(
        (s.max_session_bytes, s.max_anonymous_idle_secs),
        (d.max_session_bytes, d.max_anonymous_idle_secs)
    );
    let (s, d) = (&shipped.server, &default.server);
    assert_eq!(
        (s.packet_timeout_secs, s.max_total_session_bytes),
        (d.packet_timeout_secs, d.max_total_session_bytes)
    );
    let (s, d) = (&shipped.server, &default.server);
    assert_eq!(
        (
            s.max_connections_per_ip,
            s.connect_rate_per_ip,
            s.connect_burst_per_ip
        ),
        (
            d.max_connections_per_ip,
            d.connect_rate_per_ip,
            d.connect_burst_per_ip
        )
    );
    assert_eq!((s.ipv6_prefix_len, d.ipv6_prefix_len), (64, 64));
    let (s, d) = (&shipped.auth, &default.auth);
    assert_eq!(
        (
            s.max_failed_verifies_per_connection,
            s.max_failed_verifies_per_ip_per_hour
        ),
        (
            d.max_failed_verifies_per_connection,
            d.max_failed_verifies_per_ip_per_hour
        )
    );
    assert_eq!(shipped.storage.max_pages, default.storage.max_pages);
    assert_eq!(shipped.profile.max_data_bytes, 65_536);
    assert_eq!(
        shipped.profile.max_text_bytes,
        default.profile.max_text_bytes
    );
    assert_eq!(shipped.profile.max_accounts, default.profile.max_accounts);
    assert_eq!(shipped.limits, default.limits);
    assert_eq!(shipped.jwt.max_age_secs, 600);
    let (s, d) = (&shipped.auth, &default.auth);
    assert_eq!(s.allowed_country_codes, d.allowed_country_codes);
    assert_eq!(
        (s.max_sends_per_country_per_hour, s.max_sends_per_hour),
        (d.max_sends_per_country_per_hour, d.max_sends_per_hour)
    );
    let (s, d) = (&shipped.tls, &default.tls);
    assert_eq!(
        (&s.mqtt_listen, &s.cert, &s.key, s.min_version),
        (&d.mqtt_listen, &d.cert, &d.key, d.min_version)
    );
    let (s, d) = (&shipped.websocket, &default.websocket);
    assert_eq!(
        (&s.listen, &s.path, s.tls, &s.allowed_origins),
        (&d.listen, &d.path, d.tls, &d.allowed_origins)
    );
}

#[test]
fn budgets_are_checked() {
    for (text, key) in [
        (
            "[session]\nmax_session_bytes = 1000\n",
            "session.max_session_bytes",
        ),
        (
            "[server]\nmax_total_session_bytes = 100000\n",
            "server.max_total_session_bytes",
        ),
    ] {
        let err = Config::parse(text).unwrap_err();
        assert!(err.to_string().contains(key), "{text}: {err}");
    }
}

#[test]
fn profile_section_is_checked() {
    let err = Config::parse("[profile]\nmax_data_byte = 1\n").unwrap_err();
    assert!(err.to_string().contains("max_data_byte"), "{err}");
    let err = Config::parse("[profile]\nmax_accounts = 0\n").unwrap_err();
    assert!(err.to_string().contains("profile.max_accounts"), "{err}");
}

#[test]
fn packaged_container_config_parses() {
    let c = Config::parse(include_str!("../../../packaging/container.toml")).expect("parses");
    assert_eq!(c.server.mqtt_listen, "0.0.0.0:1883");
    assert_eq!(c.log.format, LogFormat::Json);
}

#[test]
fn reply_atoms_is_mirror_utf8_or_latin1() {
    assert_eq!(Config::default().wire.reply_atoms, ReplyAtoms::Mirror);
    for (text, want) in [
        ("mirror", ReplyAtoms::Mirror),
        ("utf8", ReplyAtoms::Utf8),
        ("latin1", ReplyAtoms::Latin1),
    ] {
        let c = Config::parse(&format!("[wire]\nreply_atoms = \"{text}\"\n")).unwrap();
        assert_eq!(c.wire.reply_atoms, want);
    }
    let err = Config::parse("[wire]\nreply_atoms = \"ascii\"\n").unwrap_err();
    assert!(err.to_string().contains("ascii"), "{err}");
}

#[test]
fn log_format_is_text_or_json() {
    assert_eq!(Config::default().log.format, LogFormat::Text);
    let json = Config::parse("[log]\nformat = \"json\"\n").unwrap();
    assert_eq!(json.log.format, LogFormat::Json);
    let err = Config::parse("[log]\nformat = \"xml\"\n").unwrap_err();
    assert!(err.to_string().contains("xml"), "{err}");
}

#[test]
fn ipv6_prefix_len_is_0_to_128() {
    for ok in [0, 48, 64, 128] {
        let c = Config::parse(&format!("[server]\nipv6_prefix_len = {ok}\n")).unwrap();
        assert_eq!(c.server.ipv6_prefix_len, ok);
    }
    let err = Config::parse("[server]\nipv6_prefix_len = 129\n").unwrap_err();
    assert!(err.to_string().contains("server.ipv6_prefix_len"), "{err}");
    let err = Config::parse("[server]\nipv6_prefix_len = -1\n").unwrap_err();
    assert!(err.to_string().contains("ipv6_prefix_len"), "{err}");
}

#[test]
fn proxy_protocol_needs_trusted_proxies_that_parse() {
    let c = Config::default();
    assert!(!c.server.proxy_protocol && c.server.trusted_proxies.is_empty());
    let err = Config::parse("[server]\nproxy_protocol = true\n").unwrap_err();
    assert!(err.to_string().contains("server.trusted_proxies"), "{err}");
    let c = Config::parse(
        "[server]\nproxy_protocol = true\ntrusted_proxies = [\"127.0.0.1\", \"fd00::/8\"]\n",
    )
    .unwrap();
    assert_eq!(c.server.trusted_proxies.len(), 2);
    let err = Config::parse("[server]\ntrusted_proxies = [\"10.0.0.0/33\"]\n").unwrap_err();
    assert!(err.to_string().contains("10.0.0.0/33"), "{err}");
}

#[test]
fn transports_are_off_by_default_and_checked() {
    let c = Config::default();
    assert!(c.tls.mqtt_listen.is_empty() && c.websocket.listen.is_empty());
    let err = Config::parse("[tls]\nmqtt_listen = \"127.0.0.1:8883\"\n").unwrap_err();
    assert!(err.to_string().contains("tls.cert"), "{err}");
    let err = Config::parse("[tls]\nmin_version = \"1.1\"\n").unwrap_err();
    assert!(err.to_string().contains("1.1"), "{err}");
    let err = Config::parse("[server]\nmqtt_listen = \"\"\n").unwrap_err();
    assert!(err.to_string().contains("every listener is off"), "{err}");
    let ws_only = "[server]\nmqtt_listen = \"\"\n[websocket]\nlisten = \"127.0.0.1:8083\"\n";
    assert_eq!(Config::parse(ws_only).unwrap().websocket.path, "/mqtt");
}

#[test]
fn unknown_key_is_named() {
    let err = Config::parse("[server]\nmqtt_lisen = \"x\"\n").unwrap_err();
    assert!(err.to_string().contains("mqtt_lisen"), "{err}");
}

#[test]
fn wrong_type_is_named() {
    let err = Config::parse("[server]\nmax_packet_size = \"big\"\n").unwrap_err();
    assert!(err.to_string().contains("max_packet_size"), "{err}");
}

#[test]
fn unreadable_file_is_named() {
    let err = Config::load(Path::new("/nonexistent/roster.toml")).unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/roster.toml"),
        "{err}"
    );
}

#[test]
fn allowed_country_codes_are_digits() {
    let c = Config::parse("[auth]\nallowed_country_codes = [\"380\", \"+1\"]\n").unwrap();
    assert_eq!(c.auth.allowed_country_codes, ["380", "+1"]);
    for bad in ["\"\"", "\"+\"", "\"38o\"", "\"1234567890123456\""] {
        let err = Config::parse(&format!("[auth]\nallowed_country_codes = [{bad}]\n")).unwrap_err();
        assert!(err.to_string().contains("allowed_country_codes"), "{err}");
    }
}
