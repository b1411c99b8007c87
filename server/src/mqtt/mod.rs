//! MQTT framing: a size-checked codec over `mqtt-protocol`'s packet types, and the
//! socket halves a session reads packets from and writes them to.

mod codec;
mod socket;

pub use codec::{CodecError, MqttCodec};
pub use socket::{split, PacketReader};
