//! MQTT framing: a size-checked codec over `mqtt-protocol`'s packet types, the
//! rules it checks before the crate decodes (lengths within the packet, no U+0000,
//! a filter in every SUBSCRIBE and UNSUBSCRIBE), and the socket halves a session
//! reads packets from and writes them to.

mod codec;
mod socket;
mod strict;

pub use codec::{CodecError, MqttCodec};
pub use socket::{split, PacketReader};
pub use strict::Violation;
