// Plain-text templates: traders read these on basic phones, so no HTML and short SMS bodies.

type Payload = Record<string, unknown>;

const templates: Record<string, (p: Payload) => { subject: string; text: string }> = {
  welcome: (p) => ({
    subject: 'Welcome to ConnectSphere',
    text: `Hi ${p.name}, welcome to ConnectSphere. Join group-buys near ${p.market} and pay less for stock.`,
  }),
};

export function render(template: string, payload: Payload): { subject: string; text: string } {
  const t = templates[template];
  if (!t) throw new Error(`unknown notification template ${template}`);
  return t(payload);
}
