// Reference data for Harare: where traders buy and sell, and where suppliers are.
// Coordinates are approximate centres, good enough for "how far is the pickup point".
import type { Schemas } from '../openapi/contract.ts';

type Category = Schemas['Category'];

export interface Market {
  name: string;
  lat: number;
  lng: number;
}

export const markets: Market[] = [
  { name: 'Mbare Musika', lat: -17.862, lng: 31.038 },
  { name: 'Glen View', lat: -17.9097, lng: 30.9581 },
  { name: 'Budiriro', lat: -17.89, lng: 30.92 },
  { name: 'Highfield', lat: -17.8833, lng: 30.9833 },
  { name: 'Chitungwiza', lat: -18.0127, lng: 31.0756 },
  { name: 'Kuwadzana', lat: -17.829, lng: 30.929 },
  { name: 'Warren Park', lat: -17.844, lng: 30.985 },
  { name: 'Epworth', lat: -17.89, lng: 31.1475 },
  { name: 'Harare CBD', lat: -17.8292, lng: 31.0522 },
];

export const industrialAreas = ['Workington', 'Southerton', 'Graniteside', 'Msasa', 'Willowvale', 'Ardbennie'];

export interface CatalogItem {
  sku: string;
  name: string;
  category: Category;
  unit: string;
  /** US cents */
  price: number;
  description: string;
}

export const catalog: CatalogItem[] = [
  { sku: 'MM-RL-10', name: 'Roller meal', category: 'mealie-meal', unit: '10 kg bag', price: 650, description: 'Roller meal, white maize, for sadza. Sold by the bag.' },
  { sku: 'MM-SR-10', name: 'Super refined mealie-meal', category: 'mealie-meal', unit: '10 kg bag', price: 780, description: 'Super refined white maize meal, fine grind.' },
  { sku: 'MM-RL-20', name: 'Roller meal', category: 'mealie-meal', unit: '20 kg bag', price: 1200, description: 'Roller meal in the large family bag.' },
  { sku: 'OIL-2L', name: 'Sunflower cooking oil', category: 'cooking-oil', unit: '2 L bottle', price: 420, description: 'Refined sunflower cooking oil.' },
  { sku: 'OIL-5L', name: 'Sunflower cooking oil', category: 'cooking-oil', unit: '5 L bottle', price: 950, description: 'Refined sunflower cooking oil, catering size.' },
  { sku: 'OIL-20L', name: 'Soya cooking oil', category: 'cooking-oil', unit: '20 L drum', price: 3400, description: 'Soya bean cooking oil for resale in small measures.' },
  { sku: 'SUG-BR-2', name: 'Brown sugar', category: 'sugar', unit: '2 kg pack', price: 260, description: 'Brown cane sugar from the Lowveld.' },
  { sku: 'SUG-WH-2', name: 'White sugar', category: 'sugar', unit: '2 kg pack', price: 290, description: 'Refined white sugar.' },
  { sku: 'SUG-BR-50', name: 'Brown sugar', category: 'sugar', unit: '50 kg bag', price: 5500, description: 'Brown sugar in bulk for repacking.' },
  { sku: 'RICE-LG-2', name: 'Long grain rice', category: 'rice', unit: '2 kg pack', price: 280, description: 'Long grain white rice.' },
  { sku: 'RICE-LG-10', name: 'Long grain rice', category: 'rice', unit: '10 kg bag', price: 1250, description: 'Long grain white rice, bulk bag.' },
  { sku: 'RICE-BAS-5', name: 'Basmati rice', category: 'rice', unit: '5 kg bag', price: 990, description: 'Aromatic basmati rice.' },
  { sku: 'SOAP-BAR-10', name: 'Blue bar laundry soap', category: 'soap', unit: 'box of 10 x 1 kg', price: 1150, description: 'Blue laundry bar soap, 1 kg bars.' },
  { sku: 'SOAP-POW-2', name: 'Washing powder', category: 'soap', unit: '2 kg pack', price: 450, description: 'Hand washing powder for laundry.' },
  { sku: 'SOAP-DISH-750', name: 'Dishwashing liquid', category: 'soap', unit: '750 ml bottle', price: 180, description: 'Lemon dishwashing liquid.' },
  { sku: 'BALE-DRESS-45', name: "Ladies' dresses bale", category: 'clothing-bales', unit: '45 kg bale', price: 9500, description: "Second-hand ladies' dresses, grade A, mixed sizes." },
  { sku: 'BALE-JEANS-45', name: "Men's jeans bale", category: 'clothing-bales', unit: '45 kg bale', price: 12000, description: "Second-hand men's denim jeans, grade A." },
  { sku: 'BALE-KIDS-45', name: "Children's wear bale", category: 'clothing-bales', unit: '45 kg bale', price: 8500, description: "Second-hand children's clothing, mixed." },
  { sku: 'HW-CEM-50', name: 'Portland cement', category: 'hardware', unit: '50 kg bag', price: 1100, description: 'General purpose Portland cement 32.5N.' },
  { sku: 'HW-NAIL-1', name: 'Roofing nails', category: 'hardware', unit: '1 kg box', price: 240, description: 'Galvanised roofing nails.' },
  { sku: 'HW-LOCK-50', name: 'Brass padlock', category: 'hardware', unit: '50 mm padlock', price: 350, description: 'Brass padlock with three keys.' },
  { sku: 'PH-USBC-10', name: 'USB-C charging cable', category: 'phone-accessories', unit: 'pack of 10 x 1 m', price: 800, description: 'USB-C to USB-A charging cables.' },
  { sku: 'PH-PB-10K', name: 'Power bank 10,000 mAh', category: 'phone-accessories', unit: 'each', price: 1200, description: 'Power bank with two USB outputs, for load-shedding.' },
  { sku: 'PH-EAR-10', name: 'Wired earphones', category: 'phone-accessories', unit: 'pack of 10', price: 900, description: 'Earphones with microphone, 3.5 mm jack.' },
  { sku: 'COS-PJ-250', name: 'Petroleum jelly', category: 'cosmetics', unit: '250 ml tub', price: 120, description: 'Pure petroleum jelly.' },
  { sku: 'COS-RELAX', name: 'Hair relaxer kit', category: 'cosmetics', unit: 'kit', price: 450, description: 'No-lye hair relaxer kit for salons.' },
  { sku: 'COS-LOT-400', name: 'Body lotion', category: 'cosmetics', unit: '400 ml bottle', price: 280, description: 'Cocoa butter body lotion.' },
  { sku: 'BEV-MAHEU-24', name: 'Maheu', category: 'beverages', unit: '24 x 500 ml', price: 900, description: 'Sweet maheu maize drink.' },
  { sku: 'BEV-SODA-6', name: 'Soft drinks', category: 'beverages', unit: '6 x 2 L', price: 750, description: 'Assorted soft drinks.' },
  { sku: 'BEV-TEA-100', name: 'Tea bags', category: 'beverages', unit: 'box of 100', price: 230, description: 'Black tea bags.' },
];

/** Lines of business and the categories their traders buy most. */
export const linesOfBusiness: Record<string, { categories: Category[]; businessType: string }> = {
  groceries: { categories: ['mealie-meal', 'cooking-oil', 'sugar', 'rice', 'beverages'], businessType: 'tuckshop' },
  household: { categories: ['soap', 'sugar', 'cosmetics'], businessType: 'market-stall' },
  clothing: { categories: ['clothing-bales'], businessType: 'boutique' },
  hardware: { categories: ['hardware'], businessType: 'hardware-shop' },
  electronics: { categories: ['phone-accessories'], businessType: 'vendor' },
  beauty: { categories: ['cosmetics', 'soap'], businessType: 'salon' },
};

export const firstNames = [
  'Tendai', 'Rutendo', 'Tatenda', 'Nyasha', 'Farai', 'Chipo', 'Tinashe', 'Rumbidzai', 'Kudzai', 'Tafadzwa',
  'Blessing', 'Precious', 'Memory', 'Fadzai', 'Tapiwa', 'Sibusiso', 'Thandiwe', 'Nomsa', 'Mthokozisi', 'Simba',
  'Shingai', 'Vimbai', 'Ropafadzo', 'Takudzwa', 'Munyaradzi', 'Chiedza', 'Anesu', 'Tonderai', 'Ruvimbo', 'Kudakwashe',
];

export const surnames = [
  'Moyo', 'Ncube', 'Sibanda', 'Dube', 'Mpofu', 'Chikwanha', 'Mutasa', 'Chiweshe', 'Marufu', 'Gumbo',
  'Nyathi', 'Mhlanga', 'Zhou', 'Banda', 'Phiri', 'Mazarura', 'Chirwa', 'Makoni', 'Mushonga', 'Chinembiri',
];
