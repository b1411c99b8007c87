//! Start-up: check a channel's configuration, build its provider, and start the
//! SmsActor and VoiceActor each on a dedicated arbiter thread.

use std::{io, path::PathBuf, sync::Arc, time::Duration};

use actix::{Actor, Addr, Arbiter, System};

use super::{
    actor::{ChannelActor, ChannelKind, Limits, SmsActor, VoiceActor},
    config::{ChannelConfig, ProviderKind},
    delivery::Channel,
    provider::Provider,
    simulated::SimulatedProvider,
};

/// Why a channel could not start. Names the section and key; never shows a secret.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// A key has a value the channel cannot work with.
    #[error("[{section}] {key}: {why}")]
    Invalid {
        /// "sms" or "voice".
        section: &'static str,
        /// The offending key.
        key: &'static str,
        /// What is wrong with it (never the value of a secret).
        why: String,
    },
    /// The chosen provider needs keys that are neither in the file nor in the environment.
    #[error("[{section}] provider = \"{provider}\" needs {missing}")]
    Missing {
        /// "sms" or "voice".
        section: &'static str,
        /// The provider's name.
        provider: &'static str,
        /// The missing keys, each with the environment variable that may supply it.
        missing: String,
    },
    /// The simulated provider's outbox cannot be created or written.
    #[error("[{section}] outbox {}: {source}", path.display())]
    Outbox {
        /// "sms" or "voice".
        section: &'static str,
        /// The outbox path from the config.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// The chosen provider is not available in this build.
    #[error("[{section}] provider = \"{provider}\" is not supported yet")]
    Unsupported {
        /// "sms" or "voice".
        section: &'static str,
        /// The provider's name.
        provider: &'static str,
    },
    /// `start_channels` was called outside a running actix System.
    #[error("channels must be started inside a running actix System")]
    NoSystem,
}

/// The provider's name as written in the config.
fn provider_name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Simulated => "simulated",
        ProviderKind::Http => "http",
        ProviderKind::Twilio => "twilio",
    }
}

/// Checks the limits every provider uses.
fn check_limits(cfg: &ChannelConfig, section: &'static str) -> Result<Limits, ChannelError> {
    let invalid = |key, why: &str| ChannelError::Invalid {
        section,
        key,
        why: why.to_owned(),
    };
    if cfg.timeout_ms == 0 {
        return Err(invalid("timeout_ms", "must be at least 1"));
    }
    if cfg.max_concurrent == 0 {
        return Err(invalid("max_concurrent", "must be at least 1"));
    }
    Ok(Limits {
        deadline: Duration::from_millis(cfg.timeout_ms),
        max_concurrent: cfg.max_concurrent,
        max_queued: cfg.max_queued,
    })
}

/// Checks `cfg` and builds the provider it names, with the limits the actor
/// should enforce around it.
pub fn build_provider(
    cfg: &ChannelConfig,
    channel: Channel,
) -> Result<(Arc<dyn Provider>, Limits), ChannelError> {
    let section = channel.as_str();
    let limits = check_limits(cfg, section)?;
    match cfg.provider {
        ProviderKind::Simulated => {
            let path = cfg.clone().with_default_outbox(channel).outbox;
            let provider =
                SimulatedProvider::open(&path).map_err(|source| ChannelError::Outbox {
                    section,
                    path,
                    source,
                })?;
            Ok((Arc::new(provider), limits))
        }
        other => Err(ChannelError::Unsupported {
            section,
            provider: provider_name(other),
        }),
    }
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

/// Checks both sections, then starts the SmsActor and the VoiceActor, each on a
/// dedicated arbiter so blocking file appends and slow providers never run on an
/// arbiter that serves sockets. Nothing starts unless both sections are valid.
/// Must be called inside a running actix System.
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
