// flow.mjs: the page's protocol layer (link.js, roster.js, bert.js) in node, with no
// browser: two devices of one phone through reg → verify → login → get, then `set` on
// the first and the pushed change on the second. Any mqtt.js URL: mqtt:// (roster's
// TCP listener) or ws://. `--old-client` writes atoms as ATOM_EXT (100) and reads
// replies with bert.js's strict2017 decoder, as a pre-2018 N2O client would.
//
//   node test/flow.mjs --server mqtt://127.0.0.1:1883 [--phone P] [--code C] [--old-client]
//
// Exits 0 when every step held; otherwise 1 with the failed step named. Each wait is
// at most 10 s (link.js), the whole run at most 60 s.
import RosterLink from '../link.js';
import Roster from '../roster.js';
import Show from '../show.js';

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const server = arg('--server');
const phone = arg('--phone', '+99900' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0'));
const code = arg('--code', '903182');
const old = argv.includes('--old-client');
// Profile replies carry millisecond timestamps, which Erlang itself writes as 110:
// the old decoder reads those, and no other tag beyond the 2017 set.
const codec = old ? { encode: { atoms: 'latin1' }, decode: { strict2017: true, bigIntegers: true } } : {};
if (!server) fail('usage: flow.mjs --server URL [--phone P] [--code C] [--old-client]');
setTimeout(() => fail('the whole run took over 60 s'), 60000).unref();

function fail(message) {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}

function expect(step, condition, term) {
  if (!condition) throw new Error(`${step}: got ${term === undefined ? 'nothing' : Show.show(term)}`);
  console.log(`ok: ${step}`);
}

function link(clientId, password, clean, pushed) {
  return new RosterLink({
    url: server, clientId, password, clean, ...codec,
    onPush: (t) => pushed.push(t),
    onLog: () => {},
    onClose: () => {},
  });
}

/** One device through reg, verify, login and get: its link, id and profile. */
async function device(label) {
  const symbols = Roster.randomSymbols(12);
  const pushed = [];
  const reg = link(Roster.regId(symbols), undefined, true, pushed);
  await reg.open();
  let t = await reg.request(Roster.reg(phone));
  const r1 = Roster.readReply(t);
  expect(`${label}: reg answers {ok,sms_sent} with a token`, r1.ok && r1.status === 'sms_sent' && /^[0-9a-f]{32}$/.test(r1.token), t);
  t = await reg.request(Roster.verify(r1.token, code));
  const r2 = Roster.readReply(t);
  expect(`${label}: verify answers {ok2,login,{'Client',<<"emqttd_${symbols}">>}}`, r2.ok && r2.clientId === 'emqttd_' + symbols, t);
  await reg.close();
  const main = link(r2.clientId, r1.token, false, pushed);
  await main.open();
  t = await main.request(Roster.profileGet());
  const p = Roster.readReply(t);
  expect(`${label}: logged in, get shows the profile`, p.kind === 'profile' && p.status === 'get' && p.phone === phone.replace(/^\+/, '') && p.accounts.length >= 1, t);
  return { main, pushed, profile: p };
}

try {
  const a = await device('device 1');
  const b = await device('device 2');
  const name = 'Ann ' + Math.random().toString(36).slice(2, 8);
  const t = await a.main.request(Roster.profileSetName(a.profile.accounts[0].id, name));
  const set = Roster.readReply(t);
  expect('device 1: set answers the profile with the new name', set.kind === 'profile' && set.status === 'update' && set.accounts[0].names === name, t);
  const until = Date.now() + 10000;
  while (!b.pushed.length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const push = b.pushed.length ? Roster.readReply(b.pushed[0]) : {};
  expect('device 2: the change arrives pushed', push.kind === 'profile' && push.status === 'update' && push.accounts[0].names === name && push.update === set.update, b.pushed[0]);
  await Promise.all([a.main.close(), b.main.close()]);
  console.log(`protocol flow${old ? ' (old client)' : ''}: all steps passed`);
  process.exit(0);
} catch (e) {
  fail(e.message);
}
