// cs recs: the caller's own recommendations with their reasons; cs recs <email>: what a trader is shown
// (admins), a preview that is not recorded as shown, so it does not count in the A/B report.
import type { Command } from 'commander';
import type { Recommendation, RecommendationPreviewQuery } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { money, relative, shortId, upTo50, uuidPattern } from '../format.ts';
import { note, paint, printJson, println, renderTable, withSpinner, type Column } from '../output.ts';
import { fixed } from './ml.ts';

interface RecsOptions {
  limit?: number;
  wide?: boolean;
}

const pathLabel = { personalised: 'personalised', cold_start: 'cold start', returning: 'returning after a break' } as const;

export function registerRecs(program: Command): void {
  program
    .command('recs')
    .description('Groups recommended to you, and why; admins: what a trader is shown')
    .argument('[trader]', "admins: the trader's email (or user id); without it, your own")
    .option('--limit <n>', 'how many, 1-50 (default 10)', upTo50)
    .option('--wide', 'every reason, the score components, price, deadline and group id')
    .option('--json', 'print the recommendations as JSON, with each group in full')
    .addHelpText(
      'after',
      `
Without a trader: your own recommendations, recorded as shown (join one with
\`cs groups join <id> --quantity <n>\`, which credits the recommendation).
With a trader (admins): a preview with the active model, not recorded as shown. The ranking is the
scores re-ranked for variety (at most about a third of the list per category), so a group can
rank above one with a higher score: its first reason then says the diversity re-ranking moved it.

Examples:
  $ cs recs
  $ cs recs tendai.moyo.12@demo.connectsphere.co.zw
  $ cs recs tendai.moyo.12@demo.connectsphere.co.zw --limit 3 --json`,
    )
    .action((trader: string | undefined, opts: RecsOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const who = trader?.trim() || 'you';
        const list = await withSpinner(
          `Recommending for ${who}`,
          () => {
            if (trader === undefined) return client.ml.recommendations(opts.limit ? { limit: opts.limit } : {});
            const query: RecommendationPreviewQuery = uuidPattern.test(who) ? { userId: who.toLowerCase() } : { email: who };
            if (opts.limit) query.limit = opts.limit;
            return client.ml.preview(query);
          },
          !ctx.json,
        );
        if (ctx.json) return printJson(list);
        const p = paint();
        const paths = [...new Set(list.items.map((i) => pathLabel[i.explanation.path] ?? i.explanation.path))];
        note(
          p.dim(
            `${who} · ${list.items.length} group${list.items.length === 1 ? '' : 's'} · model ${list.modelVersion} · variant ${list.variant}` +
              (paths.length ? ` · ${paths.join(' and ')}` : ''),
          ),
        );
        if (list.items.length === 0) return note(`Nothing to recommend: no open group ${trader === undefined ? 'you have' : 'this trader has'} not joined.`);
        const columns: Column<Recommendation>[] = [
          { header: 'RANK', value: (r) => String(r.rank) },
          { header: 'GROUP', value: (r) => r.group.title, flex: true },
          { header: 'SCORE', value: (r) => fixed(r.score) },
          {
            header: opts.wide ? 'WHY' : 'TOP REASONS',
            value: (r) => (opts.wide ? r.explanation.reasons : r.explanation.reasons.slice(0, 2)).join('; ') || '-',
            flex: true,
          },
        ];
        if (opts.wide) {
          columns.push(
            { header: 'TOP COMPONENTS', value: (r) => topComponents(r) },
            { header: 'PRICE', value: (r) => money(r.group.unitPrice, r.group.currency) },
            { header: 'CLOSES', value: (r) => relative(r.group.deadline) },
            { header: 'GROUP ID', value: (r) => r.group.id },
          );
        } else {
          columns.splice(2, 0, { header: 'ID', value: (r) => shortId(r.group.id) });
        }
        println(renderTable(list.items, columns));
      }),
    );
}

/** The three components that added most to the score, e.g. "cf 0.21, content 0.08, distance 0.05". */
function topComponents(r: Recommendation): string {
  return Object.entries(r.explanation.contributions)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
}
