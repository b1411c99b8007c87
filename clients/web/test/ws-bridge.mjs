// ws-bridge.mjs: MQTT over WebSocket in front of roster's plain TCP listener, so the
// page and test/browser.mjs can talk to the real server before it serves WebSocket
// itself. Each WebSocket (subprotocol `mqtt` or `mqttv3.1`, binary frames) becomes
// one TCP connection to roster; bytes are copied both ways as they come, and either
// side's close closes the other. A test aid on 127.0.0.1, not a production proxy.
//
//   node test/ws-bridge.mjs --to 127.0.0.1:1883 [--listen 127.0.0.1:0] [--path /mqtt]
//   prints: ws bridge listening on ws://127.0.0.1:PORT/mqtt for 127.0.0.1:1883
import net from 'node:net';
import { WebSocketServer } from 'ws';

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const split = (hostPort) => {
  const at = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) };
};
const to = arg('--to');
if (!to) {
  console.error('usage: ws-bridge.mjs --to HOST:PORT [--listen HOST:PORT] [--path /mqtt]');
  process.exit(2);
}
const listen = split(arg('--listen', '127.0.0.1:0'));
const path = arg('--path', '/mqtt');

const wss = new WebSocketServer({
  host: listen.host,
  port: listen.port,
  path,
  maxPayload: 1 << 20,
  handleProtocols: (offered) => ['mqtt', 'mqttv3.1'].find((p) => offered.has(p)) || false,
});
wss.on('connection', (ws) => {
  const tcp = net.connect(split(to));
  ws.on('message', (data) => tcp.write(data));
  tcp.on('data', (data) => ws.send(data, { binary: true }));
  ws.on('close', () => tcp.end());
  ws.on('error', () => tcp.destroy());
  tcp.on('close', () => ws.close());
  tcp.on('error', () => ws.terminate());
});
wss.on('listening', () => {
  const { address, port } = wss.address();
  console.log(`ws bridge listening on ws://${address}:${port}${path} for ${to}`);
});
