// mqtt.js client for the roster tests, over ws:// or wss:// (subprotocol mqtt): connects,
// subscribes to its own actions topic, then publishes each hex line read from stdin as a
// request (QoS 1) and prints every message it receives as "reply TOPIC QOS HEX".
// stdin closed: disconnects and exits 0. Any error: prints it and exits 1.
//
// usage: node mqttjs_client.js URL CLIENT_ID [--ca FILE] [--password TOKEN] [--persistent]
// (mqtt is found through NODE_PATH)
'use strict';
const fs = require('fs');
const readline = require('readline');
const mqtt = require('mqtt');

const [url, clientId, ...rest] = process.argv.slice(2);
const flag = (name) => {
  const i = rest.indexOf(name);
  return i < 0 ? undefined : rest[i + 1];
};
const say = (line) => process.stdout.write(line + '\n');

const options = {
  clientId,
  protocolVersion: 4,
  clean: !rest.includes('--persistent'),
  keepalive: 30,
  reconnectPeriod: 0,
  connectTimeout: 10000,
};
if (flag('--ca')) {
  options.ca = fs.readFileSync(flag('--ca'));
  options.rejectUnauthorized = true;
}
if (flag('--password')) {
  options.username = 'ignored';
  options.password = flag('--password');
}

const actions = `actions/1/api/${clientId}`;
const events = `events/1//api/anon/${clientId}/`;
const client = mqtt.connect(url, options);
client.on('error', (e) => {
  say(`error ${e.code ?? ''} ${e.message}`);
  process.exit(1);
});
client.on('message', (topic, payload, packet) => {
  say(`reply ${topic} ${packet.qos} ${payload.toString('hex')}`);
});
client.once('connect', (ack) => {
  say(`connack ${ack.returnCode ?? 0} session_present ${ack.sessionPresent}`);
  client.subscribe(actions, { qos: 1 }, (err, granted) => {
    if (err) {
      say(`error ${err.message}`);
      process.exit(1);
    }
    say(`suback ${granted.map((g) => g.qos).join(',')}`);
    const lines = readline.createInterface({ input: process.stdin });
    lines.on('line', (hex) => {
      client.publish(events, Buffer.from(hex.trim(), 'hex'), { qos: 1 });
    });
    lines.on('close', () => client.end(false, () => process.exit(0)));
  });
});
client.on('close', () => say('closed'));
