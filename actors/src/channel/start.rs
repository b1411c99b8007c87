//! Start-up: apply the environment to a channel's section, check it, build its
//! provider, and start the SmsActor and VoiceActor each on a dedicated arbiter.

use std::sync::Arc;

use actix::{Actor, Addr, Arbiter, System};

use super::{
    actor::{ChannelActor, ChannelKind, Limits, SmsActor, VoiceActor},
    check::check_limits,
    config::{ChannelConfig, ProviderKind},
    delivery::Channel,
    env::overlay_env,
    error::ChannelError,
    http::HttpSender,
    provider::Provider,
    retry::RetryPolicy,
    simulated::SimulatedProvider,
    twilio::TwilioProvider,
    webhook::WebhookProvider,
};

/// The provider's name as written in the config.
fn provider_name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Simulated => "simulated",
        ProviderKind::Http => "http",
        ProviderKind::Twilio => "twilio",
    }
}

/// Checks `cfg` (with the process environment applied, see `overlay_env`) and
/// builds the provider it names, with the limits the actor must enforce.
pub fn build_provider(
    cfg: &ChannelConfig,
    channel: Channel,
) -> Result<(Arc<dyn Provider>, Limits), ChannelError> {
    build_provider_with_env(cfg, channel, |name| std::env::var(name).ok())
}

/// `build_provider` with the environment given as a lookup function (for tests,
/// or a caller that reads secrets from elsewhere).
pub fn build_provider_with_env(
    cfg: &ChannelConfig,
    channel: Channel,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(Arc<dyn Provider>, Limits), ChannelError> {
    let section = channel.as_str();
    let cfg = overlay_env(cfg, channel, env);
    let retries = cfg.provider != ProviderKind::Simulated;
    let limits = check_limits(&cfg, channel, retries)?;
    let sender = || {
        HttpSender::new(RetryPolicy::from_config(&cfg)).map_err(|e| ChannelError::Client {
            section,
            why: e.without_url().to_string(),
        })
    };
    let provider: Arc<dyn Provider> = match cfg.provider {
        ProviderKind::Simulated => {
            let path = cfg.clone().with_default_outbox(channel).outbox;
            let outbox = SimulatedProvider::open(&path).map_err(|source| ChannelError::Outbox {
                section,
                path,
                source,
            })?;
            Arc::new(outbox)
        }
        ProviderKind::Http => Arc::new(WebhookProvider::from_config(&cfg, channel, sender()?)?),
        ProviderKind::Twilio => Arc::new(TwilioProvider::from_config(&cfg, channel, sender()?)?),
    };
    Ok((provider, limits))
}

/// Starts one channel actor on a new arbiter (its own thread).
fn start_on_own_arbiter<K: ChannelKind>(
    provider: Arc<dyn Provider>,
    limits: Limits,
) -> Addr<ChannelActor<K>> {
    let arbiter = Arbiter::new();
    // The arbiter keeps running after this handle is dropped, until the System stops.
    ChannelActor::<K>::start_in_arbiter(&arbiter.handle(), move |_| {
        ChannelActor::new(provider, limits)
    })
}

/// Checks both sections (environment applied), then starts the SmsActor and the
/// VoiceActor, each on a dedicated arbiter so blocking file appends and slow
/// providers never run on an arbiter that serves sockets. Nothing starts unless
/// both sections are valid. Must be called inside a running actix System.
pub fn start_channels(
    sms: &ChannelConfig,
    voice: &ChannelConfig,
) -> Result<(Addr<SmsActor>, Addr<VoiceActor>), ChannelError> {
    if System::try_current().is_none() {
        return Err(ChannelError::NoSystem);
    }
    let (sms_provider, sms_limits) = build_provider(sms, Channel::Sms)?;
    let (voice_provider, voice_limits) = build_provider(voice, Channel::Voice)?;
    log::info!("sms channel: {} provider", provider_name(sms.provider));
    log::info!("voice channel: {} provider", provider_name(voice.provider));
    Ok((
        start_on_own_arbiter(sms_provider, sms_limits),
        start_on_own_arbiter(voice_provider, voice_limits),
    ))
}
