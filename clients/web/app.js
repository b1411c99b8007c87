// app.js: the page's flow (index.html): register → verify → log in with the token →
// get → set, and pushed changes from the account's other devices. Every step writes
// its reply into an element with `data-result` ("ok" or "error") and `data-status`
// (the reply's atom), which the headless-Chromium test (test/browser.mjs) waits on.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const state = { symbols: null, token: null, clientId: null, link: null, accounts: [], nameEdited: false };
  const secrets = new Set();

  // ?server=ws://...&phone=... prefill the form.
  const query = new URLSearchParams(location.search);
  if (query.get('server')) $('server').value = query.get('server');
  if (query.get('phone')) $('phone').value = query.get('phone');

  function setStatus(stateName, text) {
    $('status').dataset.state = stateName;
    $('status').textContent = text;
  }

  function showError(message) {
    $('error').hidden = !message;
    $('error').textContent = message || '';
  }

  /** A reply into its element: the term, and what the test reads. */
  function showReply(id, term, reply) {
    const el = $(id);
    el.textContent = BERTShow.show(term, { secrets });
    el.dataset.result = reply.ok === false ? 'error' : 'ok';
    el.dataset.status = reply.status || '';
  }

  function failed(id, err) {
    const el = $(id);
    el.textContent = String(err.message || err);
    el.dataset.result = 'error';
    el.dataset.status = 'failed';
    showError(err.message || String(err));
  }

  function log(dir, topic, term, bytes, problem) {
    // A reply that carries a token: the token is a secret from here on, log included.
    const reply = term === null ? null : Roster.readReply(term);
    if (reply && reply.token) secrets.add(reply.token);
    const li = document.createElement('li');
    li.className = dir;
    const arrow = dir === 'sent' ? '\u2192' : '\u2190';
    const body = term === null ? `undecodable (${problem}): ${bytes.length} bytes` : BERTShow.show(term, { secrets });
    li.textContent = `${arrow} ${topic}  ${body}`;
    $('log').prepend(li);
  }

  function renderProfile(p) {
    $('profile-phone').textContent = p.phone;
    $('profile-person').textContent = p.personId;
    $('profile-data').textContent = p.data || '(empty)';
    $('profile-presence').textContent = p.presence;
    $('profile-update').textContent = p.update === null ? '' : new Date(Number(p.update)).toISOString();
    const body = $('accounts').querySelector('tbody');
    body.replaceChildren();
    for (const a of p.accounts) {
      const tr = document.createElement('tr');
      tr.dataset.id = a.id;
      for (const v of [a.id, a.names, a.surnames, a.update === null ? '' : new Date(Number(a.update)).toISOString()]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      body.append(tr);
    }
    state.accounts = p.accounts;
    // The name field follows the first account until the user types in it.
    if (!state.nameEdited && p.accounts.length) $('name').value = p.accounts[0].names;
    $('profile').dataset.update = p.update === null ? '' : String(p.update);
    $('profile').dataset.firstName = p.accounts.length ? p.accounts[0].names : '';
    $('step-profile').hidden = false;
  }

  function onPush(term) {
    const p = Roster.readReply(term);
    const li = document.createElement('li');
    li.textContent = BERTShow.show(term, { secrets });
    $('pushed').append(li);
    $('pushed').dataset.count = String($('pushed').children.length);
    if (p.kind === 'profile') renderProfile(p);
  }

  function onClose(reason) {
    setStatus('closed', `disconnected (${reason})`);
  }

  function newLink(clientId, password, clean) {
    return new RosterLink({ url: $('server').value.trim(), clientId, password, clean, onPush, onLog: log, onClose });
  }

  const isIo = (t) => Roster.readReply(t).kind === 'io';
  const isProfileReply = (status) => (t) => {
    const r = Roster.readReply(t);
    return r.kind === 'io' || (r.kind === 'profile' && r.status === status);
  };

  async function register() {
    showError('');
    const phone = $('phone').value.trim();
    if (!phone) return failed('reg-reply', new Error('enter a phone'));
    $('register').disabled = true;
    try {
      if (state.link) await state.link.close();
      state.symbols = Roster.randomSymbols(12);
      const clientId = Roster.regId(state.symbols);
      setStatus('connecting', `connecting as ${clientId}`);
      state.link = newLink(clientId, undefined, true);
      await state.link.open();
      setStatus('registering', 'connected, registering');
      $('client-id').textContent = clientId;
      const term = await state.link.request(Roster.reg(phone), isIo);
      const reply = Roster.readReply(term);
      if (reply.token) {
        state.token = reply.token;
        secrets.add(reply.token);
      }
      showReply('reg-reply', term, reply);
      if (reply.ok) {
        $('step-verify').hidden = false;
        if (phone.replace(/^\+/, '').startsWith(Roster.TEST_NUMBERS.prefix)) $('code').placeholder = Roster.TEST_NUMBERS.code;
        $('code').focus();
      }
    } catch (e) {
      setStatus('error', 'not connected');
      failed('reg-reply', e);
    } finally {
      $('register').disabled = false;
    }
  }

  async function verify() {
    showError('');
    $('verify').disabled = true;
    try {
      const term = await state.link.request(Roster.verify(state.token, $('code').value.trim()), isIo);
      const reply = Roster.readReply(term);
      showReply('verify-reply', term, reply);
      if (reply.ok && reply.clientId) {
        state.clientId = reply.clientId;
        await state.link.close();
        login().catch((e) => {
          setStatus('error', 'login failed');
          showError(`login as ${state.clientId}: ${e.message}`);
        });
      }
    } catch (e) {
      failed('verify-reply', e);
    } finally {
      $('verify').disabled = false;
    }
  }

  /** Reconnects as the logged-in id, the token as the password, a persistent session. */
  async function login() {
    setStatus('connecting', `logging in as ${state.clientId}`);
    state.link = newLink(state.clientId, state.token, false);
    await state.link.open();
    setStatus('logged-in', 'logged in');
    $('client-id').textContent = state.clientId;
    await get();
  }

  async function get() {
    try {
      const term = await state.link.request(Roster.profileGet(), isProfileReply('get'));
      const reply = Roster.readReply(term);
      showReply('get-reply', term, reply);
      if (reply.kind === 'profile') {
        renderProfile(reply);
      }
    } catch (e) {
      failed('get-reply', e);
    }
  }

  async function set() {
    showError('');
    if (!state.accounts.length) return failed('set-reply', new Error('no account to rename'));
    $('set').disabled = true;
    try {
      const request = Roster.profileSetName(state.accounts[0].id, $('name').value);
      const term = await state.link.request(request, isProfileReply('update'));
      const reply = Roster.readReply(term);
      state.nameEdited = false;
      showReply('set-reply', term, reply);
      if (reply.kind === 'profile') renderProfile(reply);
    } catch (e) {
      failed('set-reply', e);
    } finally {
      $('set').disabled = false;
    }
  }

  $('register').addEventListener('click', register);
  $('verify').addEventListener('click', verify);
  $('use-test-code').addEventListener('click', () => ($('code').value = Roster.TEST_NUMBERS.code));
  $('get').addEventListener('click', get);
  $('set').addEventListener('click', set);
  $('name').addEventListener('input', () => (state.nameEdited = true));
})();
