import nodemailer from 'nodemailer';
import type { Transport } from '../dispatcher.ts';

/** Email through an SMTP server (SMTP_URL), plain text: traders read mail on basic phones. */
export function smtpTransport(url: string, from: string): Transport & { close(): void } {
  const mailer = nodemailer.createTransport(url);
  const send: Transport = async (d) => {
    await mailer.sendMail({ from, to: d.recipient, subject: d.subject, text: d.text, headers: { 'X-ConnectSphere-Notification': d.id } });
  };
  return Object.assign(send, { close: () => mailer.close() });
}
