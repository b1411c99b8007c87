//! MQTT framing: a size-checked codec over `mqtt-protocol`'s packet types.

mod codec;

pub use codec::{CodecError, MqttCodec};
