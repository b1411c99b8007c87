// browser.mjs: drives index.html in Debian's headless Chromium (puppeteer-core, no
// browser download) through the whole flow in two tabs of one phone: reg → verify →
// login → get in each, then `set` in the first and the pushed change in the second.
// It starts no server: give it a running roster's WebSocket URL and the page.
//
//   node test/browser.mjs --server ws://127.0.0.1:8083/mqtt \
//        --page http://127.0.0.1:8000/index.html --screenshot /tmp/web.png
//   options: --phone (default a random test number 99900…), --code (903182),
//            --chromium (/usr/bin/chromium)
//
// Exits 0 when every step held; otherwise 1 with the failed step named (and the
// failing tab saved beside the screenshot as NAME.failed.png). Each wait is at most
// 15 s and the whole run at most 90 s.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const STEP_MS = 15000;
const RUN_MS = 90000;

function options(argv) {
  const o = { code: '903182', chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!['server', 'page', 'screenshot', 'phone', 'code', 'chromium'].includes(key) || argv[i + 1] === undefined) {
      fail(`usage: browser.mjs --server URL --page URL|FILE --screenshot FILE [--phone P] [--code C] [--chromium PATH] (at ${argv[i]})`);
    }
    o[key] = argv[i + 1];
  }
  for (const need of ['server', 'page', 'screenshot']) if (!o[need]) fail(`--${need} is required`);
  if (!o.phone) o.phone = '+99900' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
  if (!/^[a-z]+:/.test(o.page)) o.page = pathToFileURL(resolve(o.page)).href;
  return o;
}

function fail(message) {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}

let step = 'start';
let current = null; // the tab the current step drives, for a screenshot on failure
const o = options(process.argv.slice(2));
const overall = setTimeout(() => fail(`the whole run took over ${RUN_MS / 1000} s (at: ${step})`), RUN_MS);
if (!existsSync(o.chromium)) fail(`no Chromium at ${o.chromium} (apt-get install chromium)`);

/** Runs one named step; its failure ends the run with the step's name. */
async function check(name, body, page) {
  step = name;
  if (page) current = page;
  try {
    const out = await body();
    console.log(`ok: ${name}`);
    return out;
  } catch (e) {
    throw new Error(`${name}: ${e.message}`);
  }
}

/** Waits until `#id` carries a reply; returns {result, status, text}. */
async function replyOf(page, id) {
  await page.waitForSelector(`#${id}[data-result]`, { timeout: STEP_MS });
  return page.$eval(`#${id}`, (el) => ({ result: el.dataset.result, status: el.dataset.status, text: el.textContent }));
}

async function expectReply(page, id, status, contains) {
  const r = await replyOf(page, id);
  if (r.result !== 'ok' || r.status !== status || (contains && !r.text.includes(contains))) {
    throw new Error(`#${id} shows ${r.result}/${r.status}: ${r.text}`);
  }
  return r;
}

async function typeInto(page, id, text) {
  await page.$eval(`#${id}`, (el) => (el.value = ''));
  await page.type(`#${id}`, text);
}

/** One device: the page in a new tab, through reg, verify, login and get. */
async function device(browser, label, log) {
  const page = await browser.newPage();
  current = page;
  await page.setViewport({ width: 1100, height: 1400 });
  page.on('console', (m) => log.push(`${label} console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`${label} page error: ${e.message}`));
  await check(`${label}: open the page`, async () => {
    await page.goto(o.page, { waitUntil: 'load', timeout: STEP_MS });
    const loaded = await page.evaluate(() => typeof mqtt + ' ' + typeof BERT + ' ' + typeof RosterLink);
    if (loaded !== 'object object function') throw new Error(`scripts not loaded (mqtt, BERT, RosterLink: ${loaded}); is node_modules installed?`);
  });
  await check(`${label}: reg answers {ok,sms_sent}`, async () => {
    await typeInto(page, 'server', o.server);
    await typeInto(page, 'phone', o.phone);
    await page.click('#register');
    await expectReply(page, 'reg-reply', 'sms_sent', "{io,{ok,sms_sent},{'Auth',");
  });
  await check(`${label}: verify answers {ok2,login,{'Client',…}}`, async () => {
    await typeInto(page, 'code', o.code);
    await page.click('#verify');
    await expectReply(page, 'verify-reply', 'login', "{io,{ok2,login,{'Client',<<\"emqttd_");
  });
  const clientId = await check(`${label}: logged in as emqttd_…, get shows the profile`, async () => {
    await page.waitForSelector('#status[data-state="logged-in"]', { timeout: STEP_MS });
    await expectReply(page, 'get-reply', 'get', "{'Profile',");
    const shown = await page.$eval('#profile-phone', (el) => el.textContent);
    if (shown !== o.phone.replace(/^\+/, '')) throw new Error(`#profile-phone shows ${shown}`);
    const rows = await page.$$eval('#accounts tbody tr', (trs) => trs.length);
    if (rows < 1) throw new Error('no account shown');
    const id = await page.$eval('#client-id', (el) => el.textContent);
    if (!id.startsWith('emqttd_')) throw new Error(`#client-id shows ${id}`);
    return id;
  });
  return { page, clientId };
}

const log = [];
const browser = await puppeteer.launch({
  executablePath: o.chromium,
  headless: true,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--allow-file-access-from-files'],
  timeout: STEP_MS,
});
let code = 0;
try {
  const a = await device(browser, 'tab 1', log);
  const b = await device(browser, 'tab 2', log);
  if (a.clientId === b.clientId) throw new Error(`both tabs are ${a.clientId}`);
  const name = 'Ann ' + Math.random().toString(36).slice(2, 8);
  await check('tab 1: set renames the first account', async () => {
    await a.page.bringToFront();
    await typeInto(a.page, 'name', name);
    await a.page.click('#set');
    await expectReply(a.page, 'set-reply', 'update', `<<"${name}">>`);
    const first = await a.page.$eval('#accounts tbody tr td:nth-child(2)', (el) => el.textContent);
    if (first !== name) throw new Error(`tab 1's first account shows ${first}`);
  }, a.page);
  await check('tab 2: the change arrives pushed and the view follows', async () => {
    await b.page.bringToFront();
    await b.page.waitForSelector('#pushed:not([data-count="0"])', { timeout: STEP_MS });
    const pushed = await b.page.$eval('#pushed', (el) => el.textContent);
    if (!pushed.includes(`<<"${name}">>`) || !pushed.includes('update}')) throw new Error(`pushed: ${pushed}`);
    await b.page.waitForFunction((n) => document.querySelector('#profile').dataset.firstName === n, { timeout: STEP_MS }, name);
    const shown = await b.page.$eval('#accounts tbody tr td:nth-child(2)', (el) => el.textContent);
    const field = await b.page.$eval('#name', (el) => el.value);
    if (shown !== name || field !== name) throw new Error(`tab 2 shows ${shown} (name field ${field})`);
  }, b.page);
  await check(`screenshot of tab 2 at ${o.screenshot}`, () => b.page.screenshot({ path: o.screenshot, fullPage: true }));
  console.log('browser flow: all steps passed');
} catch (e) {
  code = 1;
  console.error(`FAILED: ${e.message}`);
  for (const line of log) console.error(`  ${line}`);
  const failedShot = o.screenshot.replace(/(\.png)?$/, '.failed.png');
  if (current && (await current.screenshot({ path: failedShot, fullPage: true }).then(() => true, () => false))) {
    console.error(`  the failing tab: ${failedShot}`);
  }
} finally {
  clearTimeout(overall);
  await browser.close().catch(() => {});
}
process.exit(code);
