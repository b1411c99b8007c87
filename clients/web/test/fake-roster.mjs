// fake-roster.mjs: a stand-in that answers reg, verify, get and set the way roster does
// (docs/protocol.md), as an ordinary client of any MQTT broker (mosquitto with a
// websockets listener): for working on the page and on test/browser.mjs while roster
// itself has no WebSocket listener. Not a test of roster: it encodes its replies with
// this folder's own bert.js. Only test numbers: every phone gets the code 903182.
//
//   node test/fake-roster.mjs --broker mqtt://127.0.0.1:1883
import mqtt from 'mqtt';
import BERT from '../bert.js';
import Roster from '../roster.js';

const { atom, tuple } = BERT;
const args = process.argv.slice(2);
const broker = args[args.indexOf('--broker') + 1] || 'mqtt://127.0.0.1:1883';
const CODE = '903182';

const pending = new Map(); // token -> {clientId, phone}
const sessions = new Map(); // logged-in ClientId -> phone
const profiles = new Map(); // phone -> {personId, update, accounts: [{id, names}]}

const bin = (s) => new TextEncoder().encode(s);
const io = (result, tail) => tuple(atom('io'), result, tail);
const authTail = (token) => tuple(atom('Auth'), bin(token));
const hex = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');

function profileTerm(phone, status) {
  const p = profiles.get(phone);
  const accounts = p.accounts.map((a) =>
    tuple(atom('Roster'), a.id, a.names ? bin(a.names) : [], [], 0, [], [], [], bin(phone), [], a.update, []));
  return tuple(atom('Profile'), bin(phone), bin(''), bin(p.personId), accounts, p.update, atom('online'), atom(status));
}

function answer(clientId, t) {
  const f = t.items;
  const kind = String(f[0]);
  const type = String(f[kind === 'Auth' ? 6 : f.length - 1]);
  if (kind === 'Auth' && type === 'reg' && clientId.startsWith('reg_')) {
    const token = hex(16);
    pending.set(token, { clientId, phone: Roster.text(f[4]).replace(/^\+/, '') });
    return [[clientId, io(tuple(atom('ok'), atom('sms_sent')), authTail(token))]];
  }
  if (kind === 'Auth' && type === 'verify') {
    const token = Roster.text(f[1]);
    const p = pending.get(token);
    if (!p || p.clientId !== clientId) return [[clientId, io(tuple(atom('error'), atom('session_not_found')), authTail(token))]];
    if (Roster.text(f[7]) !== CODE) return [[clientId, io(tuple(atom('error'), atom('invalid_sms_code')), authTail(token))]];
    pending.delete(token);
    const loggedIn = 'emqttd_' + clientId.slice('reg_'.length);
    sessions.set(loggedIn, p.phone);
    if (!profiles.has(p.phone)) profiles.set(p.phone, { personId: hex(16), update: Date.now(), accounts: [{ id: 1, names: '', update: Date.now() }] });
    return [[clientId, io(tuple(atom('ok2'), atom('login'), tuple(atom('Client'), bin(loggedIn))), authTail(token))]];
  }
  const phone = sessions.get(clientId);
  if (kind === 'Profile' && phone && type === 'get') return [[clientId, profileTerm(phone, 'get')]];
  if (kind === 'Profile' && phone && type === 'set') {
    const p = profiles.get(phone);
    p.update = Math.max(Date.now(), p.update + 1);
    for (const entry of f[4]) {
      const a = p.accounts.find((x) => x.id === entry.items[1]);
      if (!a) return [[clientId, io(tuple(atom('error'), atom('account_not_found')), bin(''))]];
      a.names = Roster.text(entry.items[2]);
      a.update = p.update;
    }
    const reply = profileTerm(phone, 'update');
    const others = [...sessions].filter(([id, ph]) => ph === phone && id !== clientId).map(([id]) => [id, reply]);
    return [[clientId, reply], ...others];
  }
  return [[clientId, io(tuple(atom('error'), atom('not_authorized')), bin(''))]];
}

const client = mqtt.connect(broker, { clientId: 'fake-roster', clean: true, reconnectPeriod: 1000 });
client.on('connect', () => {
  client.subscribe('events/#', { qos: 1 }, (e) => {
    if (e) throw e;
    console.log(`fake roster answering on ${broker}`);
  });
});
client.on('message', (topic, payload) => {
  const clientId = topic.split('/')[5]; // events/1//api/anon/<ClientId>/
  let out;
  try {
    out = answer(clientId, BERT.decode(payload));
  } catch (e) {
    out = [[clientId, io(tuple(atom('error'), atom('invalid_data')), bin(''))]];
  }
  for (const [to, term] of out) client.publish(`actions/1/api/${to}`, Buffer.from(BERT.encode(term)), { qos: 1 });
});
