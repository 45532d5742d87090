// Shona (chiShona) versions of the templates traders read most. Same payloads as templates.ts; a
// template missing here goes out in English. Plain text, short enough for SMS.
import type { Template } from './templates.ts';

export const shona: Record<string, Template> = {
  welcome: (p) => ({
    subject: 'Mauya kuConnectSphere',
    text: `Mhoro ${p.name}, mauya kuConnectSphere. Pindai mumapoka ekutenga pamwe chete pedyo ne${p.market} muderedze mutengo wezvinhu.`,
  }),
  'group-funded': (p) => ({
    subject: `${p.group} yazadzikiswa`,
    text: `Nhau dzakanaka: ${p.group} yasvika pahuwandu hunodiwa. Tichaodha kumutengesi uye tichakuudzai kana zvatumirwa.`,
  }),
  'group-status': (p) => ({
    subject: `${p.group}: ${p.status}`,
    text: `${p.group} yava ${p.status}.`,
  }),
  'pickup-ready': (p) => ({
    subject: `Torai ${p.group} ku${p.point}`,
    text: `${p.quantity} x ${p.unit} ye${p.product} yagadzirira ku${p.point}. Ratidzai QR pass yenyu (muapp) kuti muitore pasati papfuura ${p.expires}.`,
  }),
  'group-ended-refund': (p) => ({
    subject: `${p.group} ${p.status}: muchadzoserwa mari`,
    text: `${p.group} yava ${p.status}. Mari yenyu ye${p.amount} iri kudzoserwa kukadhi kana kuwallet yamakabhadhara nayo.`,
  }),
  'reservation-released': (p) => ({
    subject: `Nzvimbo yenyu mu${p.group} yasunungurwa`,
    text: `Nzvimbo yenyu ye${p.quantity} mu${p.group} yasunungurwa (${p.reason}). Pindai zvakare kana muchiri kuzvida.`,
  }),
  'payment-received': (p) => ({
    subject: `Mari yagamuchirwa ye${p.group}`,
    text: `Tagamuchira ${p.amount} ye${p.quantity} x ${p.product} mu${p.group}. Referensi ${p.txRef}.`,
  }),
  'refund-issued': (p) => ({
    subject: `Kudzoserwa kwe${p.amount}`,
    text: `Takudzoserai ${p.amount} ye${p.group} (${p.reason}). Zvingatora mazuva mashoma kuti zvisvike kwamuri.`,
  }),
  'pickup-collected': (p) => ({
    subject: `Zvatorwa: ${p.product}`,
    text: `Matora ${p.quantity} x ${p.unit} ye${p.product} ku${p.point}. Tinokutendai nekutenga pamwe chete paConnectSphere.`,
  }),
  'order-shipped': (p) => ({
    subject: `${p.group} yatumirwa`,
    text: `${p.group} yatumirwa ne${p.carrier}, nhamba yekutevera ${p.trackingNumber}, inotarisirwa ${p.eta}. Tichakuudzai kana yagadzirira kutorwa.`,
  }),
  'order-delivered': (p) => ({
    subject: `${p.group} yasvika panzvimbo yekutora`,
    text: `${p.group} yasvika panzvimbo yekutora uye iri kuongororwa. Pass yenyu ichauya kana yagadzirira kutorwa.`,
  }),
};
