import PDFDocument from 'pdfkit';
import { formatMinor } from '../payments/providers/money.ts';
import type { InvoiceView } from './service.ts';

// The invoice as a PDF (pdfkit, its built-in Helvetica: no font files to ship). One A4 page: the
// issuer with its ZIMRA BP number, who it bills, the lines, VAT, total, the commission kept back,
// what is paid out, and the due date. Amounts come from the stored invoice: nothing is recomputed.

const money = (minor: number, currency: string) => formatMinor(minor, currency);
const date = (iso: string) => iso.slice(0, 10);

export function renderInvoicePdf(inv: InvoiceView): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Invoice ${inv.number}`, Author: inv.issuer.name, Subject: inv.orderNumber } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = 50;
  const right = 545;
  const width = right - left;

  doc.font('Helvetica-Bold').fontSize(20).text('TAX INVOICE', left, 50);
  doc.font('Helvetica').fontSize(10).fillColor('#444');
  doc.text(`Invoice number: ${inv.number}`, 340, 52, { width: 205, align: 'right' });
  doc.text(`Issued: ${date(inv.issuedAt)}`, 340, 66, { width: 205, align: 'right' });
  doc.text(`Due: ${date(inv.dueAt)}`, 340, 80, { width: 205, align: 'right' });
  doc.text(`Status: ${inv.status}`, 340, 94, { width: 205, align: 'right' });
  doc.fillColor('#000');

  // From (the organisation) and to (the platform, buying for the group).
  const top = 130;
  doc.font('Helvetica-Bold').fontSize(10).text('From', left, top);
  doc.font('Helvetica').text(inv.issuer.name, left, top + 14, { width: 240 });
  const fromLines = [
    inv.issuer.address,
    inv.issuer.area ? `${inv.issuer.area}, Harare` : 'Harare',
    `ZIMRA BP number: ${inv.issuer.taxNumber ?? 'not given'}`,
    inv.issuer.registrationNumber ? `Registration: ${inv.issuer.registrationNumber}` : '',
    inv.issuer.email,
    inv.issuer.phone,
  ].filter(Boolean);
  doc.text(fromLines.join('\n'), { width: 240 });
  const afterFrom = doc.y;
  doc.font('Helvetica-Bold').text('Bill to', 320, top);
  doc.font('Helvetica').text(`ConnectSphere\nPooled order ${inv.orderNumber}\nfor a group-buy of traders in Harare`, 320, top + 14, { width: 225 });

  // Lines.
  let y = Math.max(afterFrom, doc.y) + 24;
  const cols = { desc: left, qty: 300, unit: 360, price: 410, amount: 470 };
  doc.font('Helvetica-Bold').fontSize(9);
  doc.text('Description', cols.desc, y, { width: 245 });
  doc.text('Qty', cols.qty, y, { width: 55, align: 'right' });
  doc.text('Unit', cols.unit, y, { width: 45 });
  doc.text('Unit price', cols.price, y, { width: 55, align: 'right' });
  doc.text('Amount', cols.amount, y, { width: 75, align: 'right' });
  y += 14;
  doc.moveTo(left, y).lineTo(right, y).strokeColor('#999').stroke();
  y += 6;
  doc.font('Helvetica').fontSize(9);
  for (const line of inv.lines) {
    doc.text(line.description, cols.desc, y, { width: 245 });
    const descBottom = doc.y;
    doc.text(String(line.quantity), cols.qty, y, { width: 55, align: 'right' });
    doc.text(line.unit, cols.unit, y, { width: 45 });
    doc.text(money(line.unitPrice, inv.currency), cols.price - 20, y, { width: 75, align: 'right' });
    doc.text(money(line.amount, inv.currency), cols.amount, y, { width: 75, align: 'right' });
    y = Math.max(descBottom, doc.y) + 6;
  }
  doc.moveTo(left, y).lineTo(right, y).strokeColor('#999').stroke();
  y += 10;

  // Totals, right-aligned: label and amount on one row each.
  const row = (label: string, amount: string, bold = false) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(10);
    doc.text(label, 300, y, { width: 160 });
    doc.text(amount, 445, y, { width: 100, align: 'right' });
    y += 16;
  };
  row('Subtotal (goods, excl. VAT)', money(inv.subtotal, inv.currency));
  row(`VAT ${inv.vatRate}%`, money(inv.vatAmount, inv.currency));
  row('Total (incl. VAT)', money(inv.total, inv.currency), true);
  y += 6;
  row(`Platform commission ${inv.commissionRate}% of goods`, `- ${money(inv.commissionAmount, inv.currency)}`);
  row('Paid out to the supplier', money(inv.payableAmount, inv.currency), true);

  y += 20;
  doc.font('Helvetica').fontSize(9).fillColor('#444');
  doc.text(
    `Payment due by ${date(inv.dueAt)}. ConnectSphere pays this invoice, less its commission, to the organisation's payout account once the goods pass the quality check at the pickup point. Amounts in ${inv.currency}; VAT and commission are each rounded once to the cent, half up.`,
    left,
    y,
    { width },
  );
  doc.end();
  return done;
}
