import QRCode from 'qrcode';

// QR images of a pass token. Error correction M survives a creased or slightly dirty printout
// without making the code too dense for cheap phone cameras; a 2-module quiet zone is enough on a
// white screen or paper.

const errorCorrectionLevel = 'M' as const;
const margin = 2;
const targetWidth = 320;

/** Whole pixels per module (a module split over uneven pixel counts scans worse), about 320 px wide. */
function scaleFor(token: string): number {
  const size = QRCode.create(token, { errorCorrectionLevel }).modules.size;
  return Math.max(2, Math.round(targetWidth / (size + 2 * margin)));
}

export async function renderPassPng(token: string): Promise<Buffer> {
  return QRCode.toBuffer(token, { type: 'png', errorCorrectionLevel, margin, scale: scaleFor(token) });
}

export async function renderPassSvg(token: string): Promise<string> {
  return QRCode.toString(token, { type: 'svg', errorCorrectionLevel, margin, width: targetWidth });
}
