// cs passes … (also `cs qr`): pickup passes. Traders show theirs as a QR code in the terminal; staff at a pickup point
// redeem a scanned (or pasted) token: check it, see what to hand over, then mark it used exactly once.
import { Option, type Command } from 'commander';
import type { PickupPass, ScanResult } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { checkConfirmable, confirmOrStop, failureWith, relative, when } from '../format.ts';
import { detectBackground, qrText, type QrBackground } from '../qr-text.ts';
import { resolvePickupPointId } from './catalog.ts';
import { colorEnabled, failure, note, paint, printJson, println, renderPairs, renderTable, usageError, withSpinner, type Paint } from '../output.ts';

interface RedeemOptions {
  pickupPoint?: string;
  yes?: boolean;
}

export function registerQr(program: Command): void {
  const qr = program
    .command('passes')
    .alias('qr')
    .description('Pickup passes: list and show yours as a QR code; staff redeem them (`cs qr` is the same)');

  qr.command('list')
    .description('List your pickup passes, newest first')
    .option('--json', 'print {items} as JSON')
    .action((opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const list = await withSpinner('Loading your passes', () => makeClient(ctx).qr.passes(), !ctx.json);
        if (ctx.json) return printJson(list);
        if (list.items.length === 0) return note('You hold no pickup passes; they are issued when a group you paid into is ready for pickup.');
        println(
          renderTable(list.items, [
            { header: 'ID', value: (x) => x.id },
            { header: 'COLLECT', value: (x) => `${x.quantity} × ${x.productName} (${x.unit})`, flex: true },
            { header: 'PICKUP POINT', value: (x) => x.pickupPoint.name, flex: true },
            { header: 'STATUS', value: (x) => x.status, color: (x, p) => (x.status === 'active' ? p.green : p.dim) },
            { header: 'EXPIRES', value: (x) => (x.status === 'active' ? relative(x.expiresAt) : x.usedAt ? `used ${when(x.usedAt)}` : '-') },
          ]),
        );
        note(paint(process.stderr).dim('Show one as a QR code with: cs passes show <id>'));
      }),
    );

  qr.command('show')
    .description('Draw one of your pickup passes as a QR code, with what it is for')
    .argument('<passId>', 'pass id (or the start of one)')
    .addOption(
      new Option('--background <theme>', "your terminal's background, for a code drawn without colour (default: from COLORFGBG, else dark)").choices([
        'light',
        'dark',
      ]),
    )
    .option('--json', 'print the pass as JSON (its token is what the QR code carries)')
    .addHelpText(
      'after',
      `
On a colour terminal the code is drawn black on white whatever the theme. Without colour (NO_COLOR,
or piped) the glyphs draw the dark modules on a light background and the light ones on a dark
background: say which with --background if COLORFGBG does not. The code needs a font with block
characters; \`cs passes show <id> --json\` gives the token instead.`,
    )
    .action((ref: string, opts: { background?: QrBackground }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const { items } = await withSpinner('Loading your passes', () => client.qr.passes(), !ctx.json);
        const pass = findPass(items, ref);
        if (ctx.json) return printJson(pass);
        println(drawQr(pass.token, opts.background));
        println();
        println(renderPairs(passPairs(pass)));
        if (pass.status !== 'active') println(paint().yellow(`This pass is ${pass.status}: it cannot be used to collect goods.`));
      }),
    );

  qr.command('redeem')
    .description('Staff: check a pass token, show what to hand over, and mark the pass used')
    .argument('[token]', 'the token the QR code carries (prompted for on a terminal)')
    .option('--pickup-point <id>', 'the pickup point you are at (id or the start of one); a pass for another point is refused')
    .option('-y, --yes', 'do not ask before marking the pass used (required without a terminal)')
    .option('--json', 'print {scan, redemption} as JSON')
    .addHelpText(
      'after',
      `
A scanner that types the code like a keyboard can feed the prompt directly.

Examples:
  $ cs qr redeem
  $ cs qr redeem eyJhbGciOi... --pickup-point 5d9c5b7e-8f43-4a59-9a63-1b3c7e0f6a21 --yes`,
    )
    .action((tokenArg: string | undefined, opts: RedeemOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (tokenArg === undefined && !process.stdin.isTTY) throw usageError('no token given and stdin is not a terminal to ask for one; pass the token as an argument');
        checkConfirmable(opts.yes, 'mark the pass used');
        requireSession(ctx);
        const client = makeClient(ctx);
        const pickupPoint = opts.pickupPoint === undefined ? undefined : await resolvePickupPointId(client, opts.pickupPoint);
        const token = (tokenArg ?? (await promptToken())).trim();
        if (!token) throw usageError('the token is empty');

        const scan = await withSpinner('Checking pass', () => client.qr.scan(token), !ctx.json);
        if (!ctx.json) println(renderPairs(scanPairs(scan, paint())));
        // With --json, stdout stays one JSON document; a person about to confirm still sees what to hand over.
        else if (!opts.yes) process.stderr.write(`${renderPairs(scanPairs(scan, paint(process.stderr)), paint(process.stderr))}\n`);
        refuseUnredeemable(scan, pickupPoint);

        await confirmOrStop(`Hand over ${scan.quantity} × ${scan.productName} to ${scan.traderName} and mark the pass used?`, opts.yes, 'mark the pass used');
        const redemption = await withSpinner(
          'Redeeming',
          () => client.qr.redeem(scan.passId, pickupPoint ? { pickupPointId: pickupPoint } : {}),
          !ctx.json,
        );
        if (ctx.json) return printJson({ scan, redemption });
        const p = paint();
        println('');
        println(`${p.green('✓')} Redeemed: hand ${p.bold(`${redemption.quantity} × ${scan.productName} (${scan.unit})`)} to ${p.bold(scan.traderName)}`);
        println(`  at ${redemption.pickupPoint.name}, ${when(redemption.usedAt)} · ${redemption.remainingStock} left here for this group`);
      }),
    );
}

async function promptToken(): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  return input(
    {
      message: 'Scan or paste the pass token',
      validate: (v) => (v.trim().length > 0 ? true : 'Enter the token from the QR code'),
      // A token is a few hundred characters: once entered, echo just enough of it to recognise.
      transformer: (v, { isFinal }) => (isFinal && v.trim().length > 24 ? `${v.trim().slice(0, 12)}…${v.trim().slice(-8)}` : v),
    },
    { output: process.stderr },
  );
}

/** Stops before asking anything when the scan already says no: used (when and where), or at the wrong point. */
function refuseUnredeemable(scan: ScanResult, pickupPointId: string | undefined): void {
  if (scan.status === 'used') {
    const at = scan.usedAt ? `${when(scan.usedAt)} (${relative(scan.usedAt)})` : 'an unknown time';
    throw failureWith('Already redeemed', `This pass was already redeemed on ${at} at ${scan.usedAtPoint ?? 'an unknown pickup point'}; hand nothing over`, {
      passId: scan.passId,
      currentState: 'used',
      usedAt: scan.usedAt,
      usedAtPoint: scan.usedAtPoint,
    });
  }
  if (!scan.atYourPickupPoint) {
    const pt = scan.pickupPoint;
    throw failureWith('Wrong pickup point', `This pass is for ${pt.name} (${pt.market}, ${pt.address}), where you do not work; the goods are waiting there`, {
      passId: scan.passId,
      pickupPoint: pt,
    });
  }
  if (!scan.redeemable) {
    throw failureWith('Not redeemable', `This pass is ${scan.status}; hand nothing over`, { passId: scan.passId, currentState: scan.status });
  }
  if (pickupPointId && scan.pickupPoint.id !== pickupPointId) {
    const pt = scan.pickupPoint;
    throw failureWith('Wrong pickup point', `This pass is for ${pt.name} (${pt.market}, ${pt.address}); the goods are waiting there`, {
      passId: scan.passId,
      pickupPoint: pt,
    });
  }
}

function findPass(items: PickupPass[], ref: string): PickupPass {
  const wanted = ref.trim().toLowerCase();
  if (wanted.length < 4) throw usageError(`"${ref}" is too short for a pass id; give at least 4 characters`);
  const matches = items.filter((p) => p.id.startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw failure('Ambiguous id', `${matches.length} of your passes start with ${wanted}; give more characters`);
  throw failure(
    'Not found',
    items.length ? `you hold no pass ${ref}; yours: ${items.map((p) => p.id).join(', ')}` : `you hold no pickup passes (they are issued when a group you paid into is ready for pickup)`,
  );
}

function drawQr(token: string, background: QrBackground | undefined): string {
  const color = colorEnabled(process.stdout);
  const options = { color, background: background ?? detectBackground() ?? 'dark' };
  const full = qrText(token, { ...options, margin: 4 });
  // The standard's 4-module quiet zone when it fits the terminal, else 2 (scanners manage).
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  const width = [...(full.split('\n')[0] ?? '').replace(/\x1b\[[0-9;]*m/g, '')].length;
  return columns && width > columns ? qrText(token, { ...options, margin: 2 }) : full;
}

function passPairs(pass: PickupPass): [string, string][] {
  const p = paint();
  const pt = pass.pickupPoint;
  return [
    ['Pass', pass.id],
    ['Collect', `${pass.quantity} × ${pass.productName} (${pass.unit})`],
    ['Group', pass.groupTitle],
    ['Pickup point', `${pt.name}, ${pt.market} · ${pt.address}`],
    ['Hours', pt.openingHours],
    ['Status', pass.status === 'active' ? p.green('active') : p.yellow(pass.status)],
    ['Expires', `${when(pass.expiresAt)} (${relative(pass.expiresAt)})`],
    ...(pass.usedAt ? ([['Used', when(pass.usedAt)]] as [string, string][]) : []),
  ];
}

function scanPairs(scan: ScanResult, p: Paint): [string, string][] {
  const pt = scan.pickupPoint;
  const status = scan.redeemable
    ? p.green(`${scan.status}, can be redeemed`)
    : scan.status === 'active' && !scan.atYourPickupPoint
      ? p.red(`${scan.status}, for another pickup point: cannot be redeemed here`)
      : p.red(`${scan.status}, cannot be redeemed`);
  return [
    ['Hand over', p.bold(`${scan.quantity} × ${scan.productName} (${scan.unit})`)],
    ['Trader', scan.traderName],
    ['Pickup point', `${pt.name}, ${pt.market} · ${pt.address}`],
    ['Group', scan.groupTitle],
    ['Pass', scan.passId],
    ['Status', status],
    ['Expires', when(scan.expiresAt)],
  ];
}
