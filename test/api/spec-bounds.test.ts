import { getTableColumns, isTable, type Table } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as schema from '../../api/db/schema.ts';
import { loadSpec, type JsonObject } from '../../api/openapi/spec.ts';

// Every integer in openapi.yaml is bounded, and the bounds fit the columns that store the values:
// an integer PostgreSQL cannot hold was a 500 (out of range) before it was a 400.

const int4 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const safe = { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

interface IntegerAt {
  at: string;
  name: string;
  minimum: unknown;
  maximum: unknown;
}

/** Every integer schema in a (resolved) schema, with the property name it sits under. */
function integers(node: unknown, at: string, name = '', out: IntegerAt[] = []): IntegerAt[] {
  if (Array.isArray(node)) node.forEach((n, i) => integers(n, `${at}/${i}`, name, out));
  else if (node && typeof node === 'object') {
    const s = node as JsonObject;
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.includes('integer')) out.push({ at, name, minimum: s.minimum ?? s.exclusiveMinimum, maximum: s.maximum ?? s.exclusiveMaximum });
    for (const [k, v] of Object.entries(s)) {
      if (k === 'properties' && v && typeof v === 'object') {
        for (const [p, ps] of Object.entries(v)) integers(ps, `${at}/properties/${p}`, p, out);
      } else integers(v, `${at}/${k}`, name, out);
    }
  }
  return out;
}

function specIntegers(): IntegerAt[] {
  const out: IntegerAt[] = [];
  for (const op of loadSpec().operations) {
    for (const p of op.parameters) integers(p.schema, `${op.operationId} ${p.in}.${p.name}`, p.name, out);
    if (op.requestBody) integers(op.requestBody.schema, `${op.operationId} body`, '', out);
    for (const [status, r] of Object.entries(op.responses)) integers(r.schema, `${op.operationId} ${status}`, '', out);
  }
  return out;
}

/** The widest integer column of each property name in the database schema. */
function columnBounds(): Map<string, { min: number; max: number; column: string }> {
  const byName = new Map<string, { min: number; max: number; column: string }>();
  for (const [tableName, table] of Object.entries(schema)) {
    if (!isTable(table)) continue;
    for (const [prop, column] of Object.entries(getTableColumns(table as Table))) {
      const bounds = column.columnType === 'PgInteger' ? int4 : column.columnType === 'PgBigInt53' ? safe : undefined;
      if (!bounds) continue;
      const known = byName.get(prop);
      if (!known || known.max < bounds.max) byName.set(prop, { ...bounds, column: `${tableName}.${prop}` });
    }
  }
  return byName;
}

describe('integer bounds in openapi.yaml', () => {
  it('every integer has a minimum and a maximum within a 64-bit column and a JavaScript number', () => {
    const unbounded = specIntegers().filter(
      (i) => typeof i.minimum !== 'number' || typeof i.maximum !== 'number' || i.maximum > safe.max || (i.minimum as number) < safe.min,
    );
    expect(unbounded.map((i) => i.at)).toEqual([]);
  });

  it('every integer a request sends fits a 32-bit column (the API writes no request integer to a bigint)', () => {
    // Flutterwave's transaction id in a webhook is stored as text (payments.provider_transaction_id).
    const storedAsText = new Set(['flutterwaveWebhook body/properties/data/properties/id']);
    const tooWide = specIntegers()
      .filter((i) => !/ \d{3}$/.test(i.at.split('/')[0]!) && !storedAsText.has(i.at))
      .filter((i) => (i.maximum as number) > int4.max || (i.minimum as number) < int4.min);
    expect(tooWide.map((i) => i.at)).toEqual([]);
  });

  it('the bounds of a field fit the column of the same name', () => {
    const columns = columnBounds();
    expect(columns.get('stock')?.max).toBe(int4.max);
    const misfits = specIntegers()
      .filter((i) => columns.has(i.name))
      .filter((i) => (i.maximum as number) > columns.get(i.name)!.max || (i.minimum as number) < columns.get(i.name)!.min)
      .map((i) => `${i.at}: ${String(i.minimum)}..${String(i.maximum)} vs ${columns.get(i.name)!.column}`);
    expect(misfits).toEqual([]);
  });
});
