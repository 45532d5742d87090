// A reference trader web app built only on @connectsphere/sdk in the browser: register (or sign in),
// set buying preferences, see recommendations with their reasons, browse and filter groups, join one,
// pay on the provider's checkout page, and show the pickup pass QR. Hash routes keep it a static
// site: #/register, #/prefs, #/recs, #/groups, #/join/<id>, #/paid, #/mine.
import { ApiError, ConnectSphere, type Category, type Group, type Recommendation, type TokenStore, type Tokens } from '@connectsphere/sdk';

declare const __API_URL__: string;

const categories: Category[] = [
  'mealie-meal', 'cooking-oil', 'sugar', 'rice', 'soap', 'clothing-bales', 'hardware', 'phone-accessories', 'cosmetics', 'beverages',
];

// The session lives in localStorage so a reload (and the return from the checkout) stays signed in.
const tokenKey = 'connectsphere.tokens';
const tokens: TokenStore = {
  get: () => {
    const raw = localStorage.getItem(tokenKey);
    return raw ? (JSON.parse(raw) as Tokens) : undefined;
  },
  set: (t) => (t ? localStorage.setItem(tokenKey, JSON.stringify(t)) : localStorage.removeItem(tokenKey)),
};
const cs = new ConnectSphere({ baseUrl: __API_URL__, tokens });

const app = document.querySelector<HTMLElement>('#app')!;
const nav = document.querySelector<HTMLElement>('#nav')!;

// ---- small helpers --------------------------------------------------------------------------------------

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (minor: number, currency: string) => `${currency} ${(minor / 100).toFixed(2)}`;
const dollars = (v: string) => Math.round(Number(v) * 100);

function toast(text: string): void {
  const el = document.querySelector<HTMLElement>('#toast')!;
  el.textContent = text;
  el.hidden = false;
  setTimeout(() => (el.hidden = true), 4000);
}

/** The API's problem in words: title, then each field at fault. */
function problemText(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = (err.problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
    return [err.problem.detail ?? err.problem.title, ...fields].join(' · ');
  }
  return err instanceof Error ? err.message : String(err);
}

function render(html: string): void {
  app.innerHTML = html;
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', location.hash.startsWith(a.getAttribute('href')!));
}

function form(id: string, handler: (data: FormData, el: HTMLFormElement) => Promise<void>): void {
  const el = document.querySelector<HTMLFormElement>(`#${id}`)!;
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = el.querySelector<HTMLElement>('.error')!;
    out.textContent = '';
    const button = el.querySelector('button')!;
    button.disabled = true;
    try {
      await handler(new FormData(el), el);
    } catch (err) {
      out.textContent = problemText(err);
    } finally {
      button.disabled = false;
    }
  });
}

function groupCard(g: Group, extra = ''): string {
  const percent = Math.min(100, Math.floor(g.moqProgress));
  const markets = [...new Set(g.pickupPoints.map((p) => p.market))].join(', ');
  return `<article class="card" data-group="${g.id}">
    <h2>${esc(g.title)}</h2>
    <p class="meta"><span class="price">${money(g.unitPrice, g.currency)}</span> per ${esc(g.product.unit)} · ${esc(g.product.category)}</p>
    <div class="progress" aria-label="${percent}% of the minimum order"><span style="width:${percent}%"></span></div>
    <p class="meta">${g.paidQuantity} of ${g.moq} paid · ${g.participantCount} traders · closes ${new Date(g.deadline).toLocaleDateString()}</p>
    <p class="meta">Collect at: ${esc(markets)}</p>
    ${extra}
    <button class="join" data-id="${g.id}">Join</button>
  </article>`;
}

function bindJoinButtons(recommendations: Map<string, string> = new Map()): void {
  for (const b of app.querySelectorAll<HTMLButtonElement>('button.join')) {
    b.addEventListener('click', () => {
      const rec = recommendations.get(b.dataset.id!);
      location.hash = `#/join/${b.dataset.id}${rec ? `?rec=${rec}` : ''}`;
    });
  }
}

// ---- screens --------------------------------------------------------------------------------------------

function registerScreen(): void {
  render(`<h1>Join ConnectSphere</h1>
    <form id="register">
      <p class="meta">Buy together with other traders at your market and pay less per unit.</p>
      <label for="name">Your name</label><input id="name" name="name" required minlength="2" autocomplete="name" />
      <label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="email" />
      <label for="phone">Mobile number</label><input id="phone" name="phone" type="tel" required placeholder="0772 123 456" />
      <label for="market">Your market</label><input id="market" name="market" required placeholder="Mbare Musika" />
      <label for="password">Password (10+ characters, letters and digits)</label><input id="password" name="password" type="password" required minlength="10" autocomplete="new-password" />
      <button type="submit">Create account</button>
      <p class="error"></p>
    </form>
    <form id="login">
      <h2>Already trading with us?</h2>
      <label for="login-email">Email</label><input id="login-email" name="email" type="email" required />
      <label for="login-password">Password</label><input id="login-password" name="password" type="password" required />
      <button type="submit" class="secondary">Sign in</button>
      <p class="error"></p>
    </form>`);
  form('register', async (d) => {
    await cs.auth.register({
      name: String(d.get('name')),
      email: String(d.get('email')),
      phone: String(d.get('phone')),
      password: String(d.get('password')),
      location: { market: String(d.get('market')) },
    });
    location.hash = '#/prefs';
  });
  form('login', async (d) => {
    await cs.auth.login({ email: String(d.get('email')), password: String(d.get('password')) });
    location.hash = '#/recs';
  });
}

async function prefsScreen(): Promise<void> {
  const saved = await cs.users.getPreferences().catch((err) => (err instanceof ApiError && err.status === 404 ? undefined : Promise.reject(err)));
  const checked = (c: string) => (saved?.categories.includes(c as Category) ? 'checked' : '');
  render(`<h1>What do you buy?</h1>
    <form id="prefs">
      <label>Lines you trade in</label>
      <div class="checks">${categories.map((c) => `<label><input type="checkbox" name="categories" value="${c}" ${checked(c)} />${c}</label>`).join('')}</div>
      <div class="row">
        <div><label for="budget-min">Spend per group from (USD)</label><input id="budget-min" name="min" type="number" min="0" step="0.01" value="${saved ? saved.budget.min / 100 : 20}" /></div>
        <div><label for="budget-max">up to (USD)</label><input id="budget-max" name="max" type="number" min="0" step="0.01" value="${saved ? saved.budget.max / 100 : 150}" /></div>
      </div>
      <label for="frequency">How often you buy</label>
      <select id="frequency" name="frequency">${['weekly', 'fortnightly', 'monthly', 'occasionally']
        .map((f) => `<option ${saved?.purchaseFrequency === f ? 'selected' : ''}>${f}</option>`)
        .join('')}</select>
      <button type="submit">Save and see groups for me</button>
      <p class="error"></p>
    </form>`);
  form('prefs', async (d) => {
    await cs.users.updatePreferences({
      categories: d.getAll('categories').map(String) as Category[],
      budget: { min: dollars(String(d.get('min'))), max: dollars(String(d.get('max'))), currency: 'USD' },
      preferredGroupSizes: ['small', 'medium', 'large'],
      purchaseFrequency: String(d.get('frequency')) as 'weekly',
    });
    toast('Preferences saved');
    location.hash = '#/recs';
  });
}

async function recsScreen(): Promise<void> {
  render('<h1>Groups for you</h1><p class="meta">Loading…</p>');
  let items: Recommendation[];
  try {
    items = (await cs.ml.recommendations({ limit: 5 })).items;
  } catch (err) {
    // 503 until a first model is trained: browsing still works.
    render(`<h1>Groups for you</h1><p class="error">${esc(problemText(err))}</p><a href="#/groups">Browse every group</a>`);
    return;
  }
  const recs = new Map(items.map((r) => [r.group.id, r.recommendationId]));
  render(`<h1>Groups for you</h1>
    ${items.length ? '' : '<p class="meta">Nothing new for you right now: <a href="#/groups">browse every group</a>.</p>'}
    ${items
      .map((r) =>
        groupCard(
          r.group,
          `<p class="meta"><span class="badge">Why this group</span></p><ul class="reasons">${r.explanation.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`,
        ),
      )
      .join('')}`);
  bindJoinButtons(recs);
}

async function groupsScreen(params: URLSearchParams): Promise<void> {
  const category = (params.get('category') || undefined) as Category | undefined;
  const market = params.get('market') || undefined;
  const sort = (params.get('sort') || 'deadline') as 'deadline';
  const page = await cs.groups.list({ category, market, sort, limit: 20 });
  render(`<h1>Open groups</h1>
    <form id="filters">
      <div class="row">
        <div><label for="f-category">Line</label><select id="f-category" name="category"><option value="">any</option>${categories
          .map((c) => `<option ${c === category ? 'selected' : ''}>${c}</option>`)
          .join('')}</select></div>
        <div><label for="f-sort">Order</label><select id="f-sort" name="sort">${['deadline', 'progress', 'price', 'newest']
          .map((s) => `<option ${s === sort ? 'selected' : ''}>${s}</option>`)
          .join('')}</select></div>
      </div>
      <label for="f-market">Market</label><input id="f-market" name="market" value="${esc(market ?? '')}" placeholder="any market" />
      <button type="submit" class="secondary">Filter</button>
      <p class="error"></p>
    </form>
    <p class="meta" id="count">${page.items.length} group${page.items.length === 1 ? '' : 's'}</p>
    ${page.items.map((g) => groupCard(g)).join('')}`);
  form('filters', async (d) => {
    const q = new URLSearchParams();
    for (const k of ['category', 'market', 'sort']) if (d.get(k)) q.set(k, String(d.get(k)));
    location.hash = `#/groups?${q}`;
  });
  bindJoinButtons();
}

async function joinScreen(id: string, params: URLSearchParams): Promise<void> {
  const g = await cs.groups.get(id);
  const max = g.maxPerTrader ?? g.remainingQuantity ?? 1000;
  render(`<h1>Join: ${esc(g.title)}</h1>
    ${groupCard(g).replace(/<button class="join"[^>]*>Join<\/button>/, '')}
    <form id="join">
      <label for="quantity">How many ${esc(g.product.unit)}s</label>
      <input id="quantity" name="quantity" type="number" min="${g.minPerTrader}" max="${max}" value="${g.minPerTrader}" required />
      <label for="point">Collect at</label>
      <select id="point" name="point">${g.pickupPoints.map((p) => `<option value="${p.id}">${esc(p.name)} (${esc(p.market)})</option>`).join('')}</select>
      <p class="meta" id="total"></p>
      <button type="submit">Reserve and pay</button>
      <p class="error"></p>
    </form>`);
  const quantity = document.querySelector<HTMLInputElement>('#quantity')!;
  const total = () => (document.querySelector('#total')!.textContent = `Goods: ${money(Number(quantity.value) * g.unitPrice, g.currency)} (plus the platform fee)`);
  quantity.addEventListener('input', total);
  total();
  form('join', async (d) => {
    const recommendationId = params.get('rec') ?? undefined;
    // Joining again after a failed payment: the pending share is paid as it is.
    const mine = g.myContribution?.status === 'pending_payment' ? g.myContribution : undefined;
    const contribution =
      mine ?? (await cs.groups.join(g.id, { quantity: Number(d.get('quantity')), pickupPointId: String(d.get('point')), ...(recommendationId ? { recommendationId } : {}) }));
    const payment = await cs.payments.initialize({
      contributionId: contribution.id,
      // The checkout sends the trader back here with tx_ref and transaction_id in the query.
      redirectUrl: `${location.origin}${location.pathname}#/paid`,
    });
    location.href = payment.checkoutUrl!;
  });
}

async function paidScreen(): Promise<void> {
  // The provider appends its query to the URL before the hash or after it, depending on the provider.
  const query = new URLSearchParams(location.search || location.hash.split('?')[1] || '');
  const txRef = query.get('tx_ref');
  if (!txRef) return void (location.hash = '#/mine');
  render('<h1>Checking your payment…</h1>');
  const payment = await cs.payments.finalize({ txRef, ...(query.get('transaction_id') ? { transactionId: query.get('transaction_id')! } : {}) });
  history.replaceState(null, '', `${location.pathname}#/paid`);
  const ok = payment.status === 'successful';
  render(`<h1>${ok ? 'Payment received' : 'Payment not completed'}</h1>
    <div class="card" id="payment">
      ${payment.lines.map((l) => `<p class="meta">${esc(l.label)}: ${money(l.amount, payment.currency)}</p>`).join('')}
      <p><strong>Total ${money(payment.totalAmount, payment.currency)}</strong> · <span class="badge">${payment.status}</span></p>
      <p class="meta">${ok ? 'Your pickup pass appears under Mine when the goods are ready.' : 'Nothing was charged; you can try again from the group.'}</p>
    </div>
    <a href="#/mine">My groups and passes</a>`);
}

async function mineScreen(): Promise<void> {
  const [{ items: contributions }, { items: passes }] = await Promise.all([cs.contributions.list({ limit: 20 }), cs.qr.passes()]);
  const groups = new Map((await Promise.all([...new Set(contributions.map((c) => c.groupId))].map((id) => cs.groups.get(id)))).map((g) => [g.id, g]));
  const active = passes.filter((p) => p.status === 'active');
  render(`<h1>Mine</h1>
    <h2>Pickup passes</h2>
    ${active.length ? '' : '<p class="meta">No pass yet: it comes when a group you paid into is ready for pickup.</p>'}
    ${active
      .map(
        (p) => `<article class="card pass" data-pass="${p.id}">
          <h2>Collect ${p.quantity} × ${esc(p.productName)} (${esc(p.unit)})</h2>
          <p class="meta">at ${esc(p.pickupPoint.name)}, ${esc(p.pickupPoint.market)} · ${esc(p.pickupPoint.openingHours)}</p>
          <img class="qr" alt="Pickup pass QR code" data-qr="${p.id}" />
          <p class="meta">Show this code to the staff. Valid until ${new Date(p.expiresAt).toLocaleDateString()}.</p>
        </article>`,
      )
      .join('')}
    <h2>My groups</h2>
    ${contributions
      .map((c) => {
        const g = groups.get(c.groupId);
        return `<div class="card"><strong>${esc(g?.title ?? c.groupId)}</strong>
          <p class="meta">${c.quantity} × ${money(c.unitPrice, c.currency)} · <span class="badge">${c.status.replace(/_/g, ' ')}</span> · group ${g?.status.replace(/_/g, ' ') ?? ''}</p></div>`;
      })
      .join('')}
    <button class="link" id="logout">Sign out</button>`);
  // The QR images come through the SDK (they need the session), shown from object URLs.
  for (const img of app.querySelectorAll<HTMLImageElement>('img[data-qr]')) {
    const svg = await cs.qr.svg(img.dataset.qr!);
    img.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  }
  document.querySelector('#logout')!.addEventListener('click', async () => {
    await cs.auth.logout().catch(() => undefined);
    tokens.set(undefined);
    location.hash = '#/register';
  });
}

// ---- routing --------------------------------------------------------------------------------------------

async function route(): Promise<void> {
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const signedIn = Boolean(tokens.get());
  nav.hidden = !signedIn;
  // The checkout may return with its query before the hash (…/?tx_ref=…#/paid).
  if (location.search.includes('tx_ref') && signedIn) return paidScreen();
  if (!signedIn) return registerScreen();
  try {
    if (path === '/prefs') return await prefsScreen();
    if (path === '/groups') return await groupsScreen(params);
    if (path.startsWith('/join/')) return await joinScreen(path.slice('/join/'.length), params);
    if (path === '/paid') return await paidScreen();
    if (path === '/mine') return await mineScreen();
    return await recsScreen();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      tokens.set(undefined);
      return registerScreen();
    }
    render(`<h1>Something went wrong</h1><p class="error">${esc(problemText(err))}</p><a href="#/recs">Back</a>`);
  }
}

window.addEventListener('hashchange', () => void route());
void route();
