// A QR code as terminal text that a phone can scan on light and dark terminals alike.
// Scanners want dark modules on a light field with a light quiet zone around the code. A terminal
// draws glyphs in its foreground colour on its background colour, and which of the two is light
// depends on the user's theme, so:
//   - with colour, every line sets black on white itself: the theme no longer matters;
//   - without colour (NO_COLOR, a pipe), the glyphs ("ink") are the dark modules on a light
//     background and the light modules (quiet zone included) on a dark one.
// Two module rows share one character cell (▀ ▄ █ and space), so modules come out about square.
import QRCode from 'qrcode';

export type QrBackground = 'light' | 'dark';

export interface QrTextOptions {
  /** Paint black on white with escape codes (needs a terminal that shows colour). */
  color: boolean;
  /** Without colour: the terminal's background, which decides what the glyphs draw. */
  background: QrBackground;
  /** Light modules around the code; the standard asks for 4, scanners manage with 2. */
  margin?: number;
}

/** The terminal's background from COLORFGBG ("15;0": light text on black), as rxvt, Konsole and others set it. */
export function detectBackground(env: NodeJS.ProcessEnv = process.env): QrBackground | undefined {
  const bg = env.COLORFGBG?.split(';').at(-1);
  if (bg === undefined || !/^\d+$/.test(bg)) return undefined;
  const n = Number(bg);
  // 0-6 and 8 are the dark ANSI colours; 7 and 9-15 the light ones.
  return n <= 6 || n === 8 ? 'dark' : 'light';
}

/** The module matrix (true = dark) with `margin` light modules on every side. */
export function qrMatrix(text: string, margin: number): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'L' });
  const size = modules.size + 2 * margin;
  return Array.from({ length: size }, (_, r) =>
    Array.from({ length: size }, (_, c) => {
      const [mr, mc] = [r - margin, c - margin];
      return mr >= 0 && mc >= 0 && mr < modules.size && mc < modules.size && Boolean(modules.get(mr, mc));
    }),
  );
}

export function qrText(text: string, options: QrTextOptions): string {
  const matrix = qrMatrix(text, options.margin ?? 4);
  // With colour the foreground is black, so ink is the dark modules; without, it depends on the theme.
  const inkIsDark = options.color || options.background === 'light';
  const ink = (r: number, c: number) => (r < matrix.length ? matrix[r]![c]! === inkIsDark : !inkIsDark);
  const lines: string[] = [];
  for (let r = 0; r < matrix.length; r += 2) {
    let line = '';
    for (let c = 0; c < matrix.length; c += 1) {
      const [top, bottom] = [ink(r, c), ink(r + 1, c)];
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(options.color ? `\x1b[30;107m${line}\x1b[0m` : line);
  }
  return lines.join('\n');
}
