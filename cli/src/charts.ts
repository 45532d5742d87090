// Terminal charts shared by the dashboard and the reports: sparklines, horizontal bars and the
// shade of a heat-table cell. Plain strings, so they print as they are, colour or not.

const ticks = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Values as a one-line chart scaled to their maximum; all zero is a flat baseline. */
export function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (max === 0 ? ticks[0] : ticks[Math.min(ticks.length - 1, Math.round((v / max) * (ticks.length - 1)))])).join('');
}

/** A bar `width` cells long at its fullest, in eighths of a cell. */
export function hbar(value: number, max: number, width = 30): string {
  if (!(max > 0) || value <= 0) return '';
  const eighths = Math.round((Math.min(value, max) / max) * width * 8);
  const partial = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8]!;
  return '█'.repeat(Math.floor(eighths / 8)) + partial;
}

const shades = [' ', '░', '▒', '▓', '█'];

/** A share (0..1) as a heat cell: its shade and the percentage, e.g. "▓ 62%". */
export function heatCell(share: number): string {
  const shade = shades[Math.min(shades.length - 1, Math.ceil(Math.max(0, Math.min(1, share)) * (shades.length - 1)))]!;
  return `${shade} ${String(Math.round(share * 100)).padStart(3)}%`;
}
